import { diffLocks } from '../diff/diff-locks.js';
import type { Severity } from '../diff/types.js';
import { LOCKFILE_VERSION, type Lockfile, type ServerEntry } from '../lockfile/index.js';
import { compareKeys } from '../lockfile/serialize.js';
import { type CompiledPolicy, evaluateLock } from '../policy/index.js';
import { buildReport } from '../report/outcome.js';
import type { Report } from '../report/types.js';
import { CapsealError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { type SnapshotOptions, snapshotServers } from '../snapshot/io/snapshot.js';
import type { ServerSpec } from '../snapshot/types.js';

/**
 * Which locked servers a check compares:
 * - `single`: one server given by `-- CMD` or `--url`; with a one-server lockfile it is compared with that
 *   entry whatever its name, otherwise with the entry of the same name.
 * - `subset`: only the locked servers named by the specs (`--config FILE --name X`).
 * - `all`: every locked server; a spec without a locked entry, or the reverse, is itself drift.
 */
export type CheckSelection = 'single' | 'subset' | 'all';

export interface CheckOptions {
  /** The lockfile path as the user gave it (reports and SARIF locations use it). */
  lockPath: string;
  lock: Lockfile;
  lockText: string;
  /** Where the live servers come from; omitted: relaunch each locked server from its recorded source. */
  specs?: ServerSpec[];
  /** Default: `single` for one spec, `all` otherwise (and when relaunching from the lockfile). */
  selection?: CheckSelection;
  failOn: Severity;
  /** Compiled packs to evaluate over the live surface and its drift. */
  policy?: CompiledPolicy;
  /** Limits and sandbox settings (network denied unless allowed explicitly). */
  snapshot?: Omit<SnapshotOptions, 'logger'>;
  /** Variables to fill the `env` names a relaunched stdio server was locked with. */
  env?: NodeJS.ProcessEnv;
  /** Directory relative commands of relaunched servers resolve against (the CLI's cwd). */
  baseDir?: string;
  logger: Logger;
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
            'pick one with --name NAME, or use --config',
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

/**
 * `capseal check`: snapshot the live servers, diff them against the lockfile, evaluate policy packs over
 * the live surface and its drift, and decide. Drift and policy violations are results in the Report (its
 * `outcome` is the gate); only failures to run (bad input, a server that fails) throw.
 */
export async function runCheck(options: CheckOptions): Promise<Report> {
  const relaunch = options.specs === undefined;
  const specs =
    options.specs ??
    Object.keys(options.lock.servers)
      .sort(compareKeys)
      .map((name) =>
        specFromLock(name, options.lock.servers[name] as ServerEntry, options.env ?? {}, options.baseDir),
      );
  const selection = options.selection ?? (!relaunch && specs.length === 1 ? 'single' : 'all');
  const plan = planCheck(options.lock, specs, selection);

  const live: Record<string, ServerEntry> = {};
  for (const spec of plan.specs) {
    const locked = Object.hasOwn(plan.base.servers, spec.name) ? plan.base.servers[spec.name] : undefined;
    // Network stays denied unless the caller allowed it; a downloaded package must match the pin.
    const entries = await snapshotServers([spec], {
      ...options.snapshot,
      ...(locked === undefined ? {} : { pin: locked.artifact }),
      logger: options.logger,
    });
    Object.assign(live, entries);
  }
  const head: Lockfile = { lockfileVersion: LOCKFILE_VERSION, servers: live };
  const drifts = diffLocks(plan.base, head);
  const verdicts = options.policy === undefined ? [] : evaluateLock(options.policy, head, drifts);
  const servers = [...new Set([...Object.keys(plan.base.servers), ...Object.keys(live)])].sort(compareKeys);
  return buildReport({
    kind: 'check',
    lockfile: options.lockPath,
    servers,
    drifts,
    verdicts,
    failOn: options.failOn,
  });
}
