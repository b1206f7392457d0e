import { compareKeys, LOCKFILE_VERSION, type Lockfile, type ServerEntry } from '../lockfile/index.js';
import { type CompiledPolicy, compilePacks, type PolicyLimits } from '../policy/index.js';
import { readPacks } from '../policy/io/index.js';
import { CapsealError } from '../shared/index.js';
import { loadVerifiedLock, type VerifyLockOptions } from '../sign/io/index.js';
import type { ServerSpec } from '../snapshot/index.js';
import { resolveServerSpecs, type ServerSourceInput } from './server-source.js';

export interface PreflightOptions {
  /** The lockfile and the trust it must verify against (none: only its own validation). */
  verify: VerifyLockOptions;
  /** Pack references: shipped names (baseline, strict, poisoning, read-only) or paths relative to `cwd`. */
  policies: readonly string[];
  /** Where relative paths (packs, server sources, relaunched servers) resolve: the CLI's cwd, the workspace. */
  cwd: string;
  policyLimits?: Partial<PolicyLimits>;
}

/** What every use case starts from: the verified lockfile (its exact bytes) and the compiled packs. */
export interface Preflight {
  lock: Lockfile;
  /** The bytes that were verified and parsed: reports and evaluation use these, never a second read. */
  lockText: string;
  signature: 'none' | 'ed25519' | 'sigstore';
  /** Undefined when no pack was given. */
  policy: CompiledPolicy | undefined;
}

/**
 * The first half of every pre-flight, in this order: compile the packs (any pack problem is
 * INVALID_INPUT), then read the lockfile once and verify it (signature first when asked). Nothing is
 * spawned or reached here, and callers spawn nothing until it has returned.
 */
export async function preparePreflight(options: PreflightOptions): Promise<Preflight> {
  const policy =
    options.policies.length === 0
      ? undefined
      : compilePacks(
          await readPacks([...options.policies], options.cwd),
          options.policyLimits === undefined ? {} : { limits: options.policyLimits },
        );
  const { lock, text, signature } = await loadVerifiedLock(options.verify);
  return { lock, lockText: text, signature, policy };
}

/**
 * Which locked servers a check compares:
 * - `single`: one server given by `-- CMD` or `--url`; with a one-server lockfile it is compared with that
 *   entry whatever its name, otherwise with the entry of the same name.
 * - `subset`: only the locked servers named by the specs (`--config FILE --name X`).
 * - `all`: every locked server; a spec without a locked entry, or the reverse, is itself drift.
 */
export type CheckSelection = 'single' | 'subset' | 'all';

export interface CheckPreflightOptions extends PreflightOptions {
  /** Where the live servers come from; omitted: relaunch each locked server from its recorded source. */
  source?: ServerSourceInput;
  /** Variables for `--env NAME` and for the `env` names a relaunched stdio server was locked with. */
  env: NodeJS.ProcessEnv;
  /** Where to say how a config was read (resolveServerSpecs). */
  notice?: (line: string) => void;
}

/** A check ready to run: the locked entries it compares with, and how to start each live server. */
export interface PreparedCheck extends Preflight {
  base: Lockfile;
  specs: ServerSpec[];
}

/**
 * The whole pre-flight of `capseal check` (CLI and Action): compile packs → load and verify the lockfile →
 * resolve the servers → choose the locked entries. Every usage, input and signature problem surfaces
 * here, before any server is started.
 */
export async function prepareCheck(options: CheckPreflightOptions): Promise<PreparedCheck> {
  const preflight = await preparePreflight(options);
  const { lock } = preflight;
  const { source } = options;
  const specs =
    source === undefined
      ? Object.keys(lock.servers)
          .sort(compareKeys)
          .map((name) => specFromLock(name, lock.servers[name] as ServerEntry, options.env, options.cwd))
      : await resolveServerSpecs(source, {
          env: options.env,
          cwd: options.cwd,
          ...(options.notice === undefined ? {} : { notice: options.notice }),
        });
  const plan = planCheck(lock, specs, selectionFor(source));
  return { ...preflight, ...plan };
}

/** No source or a whole config: every locked server; `--config --name`: that one; else the one given. */
function selectionFor(source: ServerSourceInput | undefined): CheckSelection {
  if (source === undefined) return 'all';
  if (source.config === undefined) return 'single';
  return source.name === undefined ? 'all' : 'subset';
}

/**
 * The spec that launches a locked server again as recorded: same command, args, cwd; the named variables
 * copied from `env` (values are never in the lockfile). A URL server with recorded header names cannot
 * be reached without their values: that is a USAGE error naming the way out.
 */
export function specFromLock(
  name: string,
  entry: ServerEntry,
  env: NodeJS.ProcessEnv,
  baseDir?: string,
): ServerSpec {
  const source = entry.source;
  if (source.transport !== 'stdio') {
    if ((source.headers?.length ?? 0) > 0) {
      throw new CapsealError(
        'USAGE',
        `cannot relaunch "${name}" from the lockfile: it was locked with headers`,
        {
          details: [
            `header values are never stored; give the server with --url ${source.url} --header "Name: value"`,
          ],
        },
      );
    }
    return { name, transport: source.transport, url: source.url };
  }
  const missing = (source.env ?? []).filter((v) => env[v] === undefined);
  if (missing.length > 0) {
    throw new CapsealError('USAGE', `cannot relaunch "${name}" from the lockfile: variables not set`, {
      details: missing.map(
        (v) => `${v}: locked as passed to the server, but not set in capseal's environment`,
      ),
    });
  }
  const vars = Object.fromEntries((source.env ?? []).map((v) => [v, env[v] as string]));
  return {
    name,
    transport: 'stdio',
    command: source.command,
    args: [...source.args],
    ...(source.cwd === undefined ? {} : { cwd: source.cwd }),
    ...(Object.keys(vars).length === 0 ? {} : { env: vars }),
    ...(baseDir === undefined ? {} : { baseDir }),
  };
}

/** Pair specs with lockfile entries: which locked servers form the base, and the name each spec takes. */
export function planCheck(
  lock: Lockfile,
  specs: readonly ServerSpec[],
  selection: CheckSelection,
): { base: Lockfile; specs: ServerSpec[] } {
  const locked = Object.keys(lock.servers).sort(compareKeys);
  if (selection === 'single') {
    const [spec] = specs;
    if (spec === undefined || specs.length !== 1)
      throw new CapsealError('INTERNAL', 'single check needs one spec');
    const name = locked.length === 1 ? (locked[0] as string) : spec.name;
    const entry = Object.hasOwn(lock.servers, name) ? lock.servers[name] : undefined;
    if (entry === undefined) {
      throw new CapsealError(
        'USAGE',
        `the lockfile has ${locked.length} servers and none is named "${spec.name}"`,
        {
          details: [
            `locked servers: ${locked.join(', ') || '(none)'}`,
            'pick one with --server NAME, or use --config',
          ],
        },
      );
    }
    return {
      base: { lockfileVersion: LOCKFILE_VERSION, servers: { [name]: entry } },
      specs: [{ ...spec, name }],
    };
  }
  if (selection === 'subset') {
    const servers = Object.fromEntries(
      specs.flatMap((s) => (Object.hasOwn(lock.servers, s.name) ? [[s.name, lock.servers[s.name]]] : [])),
    ) as Record<string, ServerEntry>;
    return { base: { lockfileVersion: LOCKFILE_VERSION, servers }, specs: [...specs] };
  }
  return { base: lock, specs: [...specs] };
}
