import { dirname, resolve } from 'node:path';
import { findConfusableNames } from '../diff/index.js';
import type { Lockfile, ServerEntry } from '../lockfile/index.js';
import {
  buildCall,
  buildPolicyInput,
  type CompiledPolicy,
  evaluateCall,
  evaluatePolicy,
  extensionMethods,
  extractResult,
  hasCallRules,
  hasResultRules,
  redactResult,
  scanResult,
} from '../policy/index.js';
import {
  type CallPolicy,
  checkLaunch,
  type EntryNormalizers,
  type Launch,
  type ResultPolicy,
} from '../proxy/index.js';
import type { HttpUpstreamSpec } from '../proxy/io/index.js';
import {
  buildServerEnv,
  type PinCheck,
  type SandboxedLaunch,
  type ServerProcessSpec,
  verifyArtifactPin,
  verifyRemotePin,
} from '../proxy/io/index.js';
import { DEFAULT_RESOURCE_LIMITS, type NetworkMode, type SandboxMode } from '../sandbox/index.js';
import { prepareLaunch, resolvePathArg } from '../sandbox/io/index.js';
import type { Logger } from '../shared/index.js';
import { CapsealError } from '../shared/index.js';
import type { VerifyLockOptions } from '../sign/io/index.js';
import {
  normalizePrompt,
  normalizeResource,
  normalizeResourceTemplate,
  normalizeTool,
  planArtifact,
  type ServerSpec,
} from '../snapshot/index.js';
import { preparePreflight } from './preflight.js';
import { resolveServerSpecs } from './server-source.js';

/** The normalizers `lock` uses: a live entry and a locked entry compare digest for digest. */
export const LOCK_NORMALIZERS: EntryNormalizers = {
  tools: normalizeTool,
  prompts: normalizePrompt,
  resources: normalizeResource,
  resourceTemplates: normalizeResourceTemplate,
};

/** How the proxy reaches the server: a process it spawns, or a URL it connects to. */
export type Upstream = { kind: 'stdio'; spec: ServerProcessSpec } | { kind: 'http'; spec: HttpUpstreamSpec };

/** Where the proxied server comes from; none of command, url, config: as the lockfile records it. */
export interface ProxySourceInput {
  command?: string[];
  url?: string;
  config?: string;
  /** `Name: value` headers for a server reached by URL. */
  headers?: string[];
  transport?: 'streamable-http' | 'sse';
  /** Further variables passed through to a stdio server (names; values come from `env`). */
  envNames?: string[];
}

export interface ProxyStartOptions {
  verify: VerifyLockOptions;
  /** The locked server to proxy; may be omitted when the lockfile locks exactly one. */
  server?: string;
  source: ProxySourceInput;
  /** Call-time policy packs. */
  policies: readonly string[];
  /** Start even when the launch differs from the lockfile's recorded source (`--allow-launch-change`). */
  allowLaunchChange?: boolean;
  /** Relative paths (packs, `-- CMD`, relaunched servers) resolve here; a config's against its directory. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

export interface PreparedProxy {
  serverName: string;
  entry: ServerEntry;
  signature: 'none' | 'ed25519' | 'sigstore';
  upstream: Upstream;
  pin: PinCheck;
  policy: CallPolicy | undefined;
  /** Runtime content scanning, when the packs have rules that read `result`. */
  resultPolicy: ResultPolicy | undefined;
  /** Extension methods the packs' call-time rules name (`methods:`). */
  allowMethods: string[];
}

/**
 * The proxy's start-up, all before anything is spawned or connected to: compile the packs and verify the
 * lockfile (the shared pre-flight), select the locked entry, resolve the launch (relative paths exactly
 * as `lock` and `check` resolve them: against the config file's directory for `--config`, else `cwd`),
 * and check the artifact pin. A signature or pin that does not hold is exit 1; usage is exit 2.
 */
export async function prepareProxy(options: ProxyStartOptions): Promise<PreparedProxy> {
  const { lock, signature, policy } = await preparePreflight(options);
  options.logger.info(`lockfile ${options.verify.path} (signature: ${signature})`);
  const [serverName, entry] = selectServer(lock, options.server, options.verify.path);
  warnOnLookAlikes(lock, serverName, options.logger);
  const { upstream, pinSpec, baseDir, launch, launchBase } = await resolveUpstream(
    options,
    serverName,
    entry,
  );
  checkUpstreamFlags(options.source, upstream);
  // The launch line is compared with the lock before anything runs (exit 1 unless explicitly allowed).
  const changes = launch === undefined ? [] : checkLaunch(entry, launch, launchBase ?? baseDir);
  if (changes.length > 0 && options.allowLaunchChange !== true) {
    throw new CapsealError(
      'ARTIFACT_MISMATCH',
      'the server launch differs from the lockfile; nothing was started',
      {
        details: [
          ...changes.map((c) => `${c.field}: ${c.detail}`),
          'pass --allow-launch-change to run it anyway',
        ],
      },
    );
  }
  for (const c of changes)
    options.logger.warn(`launch change allowed (--allow-launch-change): ${c.field}: ${c.detail}`);
  let pin =
    upstream.kind === 'http'
      ? verifyRemotePin(entry, upstream.spec.url)
      : await verifyArtifactPin(entry.artifact, pinSpec ?? upstream.spec, baseDir, options.env);
  const loading = changes.find((c) => c.field === 'code-loading');
  if (loading !== undefined) pin = { status: 'unverifiable', detail: `not verified: ${loading.detail}` };
  options.logger.info(`artifact ${pin.status}: ${pin.detail}`);
  if (upstream.kind === 'http' && entry.source.transport !== 'stdio') {
    const given = Object.keys(upstream.spec.headers ?? {}).map((h) => h.toLowerCase());
    const missing = (entry.source.headers ?? []).filter((h) => !given.includes(h.toLowerCase()));
    if (missing.length > 0)
      options.logger.warn(
        `the lockfile was made with header(s) ${missing.join(', ')}; pass them with --header`,
      );
  }
  if (policy !== undefined) denyOnLockRules(policy, serverName, lock, options.logger);
  const callPolicy =
    policy === undefined
      ? undefined
      : callPolicyFor(policy, options.policies, serverName, entry, options.logger);
  const resultPolicy =
    policy === undefined || !hasResultRules(policy) ? undefined : resultPolicyFor(policy, serverName, entry);
  const allowMethods = callPolicy === undefined || policy === undefined ? [] : extensionMethods(policy);
  return { serverName, entry, signature, upstream, pin, policy: callPolicy, resultPolicy, allowMethods };
}

/**
 * The packs' lock-level rules (those reading neither `call` nor `result`) over the entry about to run,
 * exactly as `policy check` evaluates them (the other servers of the lockfile included, for cross-server
 * rules): an error verdict refuses the start (exit 1, nothing spawned);
 * warnings are logged. Without this, a rule such as `no-confusable-names` would hold only in CI.
 */
function denyOnLockRules(policy: CompiledPolicy, name: string, lock: Lockfile, logger: Logger): void {
  const entry = lock.servers[name] as ServerEntry;
  const verdicts = evaluatePolicy(
    policy,
    buildPolicyInput({ name, entry, drifts: [], servers: lock.servers }),
  );
  for (const v of verdicts)
    if (v.severity === 'warning') logger.warn(`policy ${v.pack}/${v.rule}: ${v.message}`);
  const errors = verdicts.filter((v) => v.severity === 'error');
  if (errors.length > 0)
    throw new CapsealError('POLICY_DENIED', `policy denies server "${name}"; nothing was started`, {
      details: errors.map((v) => `${v.pack}/${v.rule}${v.subject ? ` (${v.subject})` : ''}: ${v.message}`),
    });
}

/**
 * Look-alike names of the server about to run, within it or against any other server of the lockfile (a
 * host runs them side by side), warned about as `lock` does. Refusing is the packs' job (baseline's
 * `no-confusable-names`, evaluated next): a name that is suspicious on its own (mixed or non-Latin
 * script, invisible or fullwidth characters) is an error there, so the server carrying it does not start.
 */
function warnOnLookAlikes(lock: Lockfile, name: string, logger: Logger): void {
  for (const found of findConfusableNames(lock.servers)) {
    if (found.server !== name) continue;
    logger.warn(
      `${found.kind} ${JSON.stringify(found.name)} of server "${name}" is a possible look-alike: ${found.reasons.join('; ')}`,
    );
  }
}

function selectServer(lock: Lockfile, name: string | undefined, path: string): [string, ServerEntry] {
  const names = Object.keys(lock.servers);
  if (name === undefined) {
    if (names.length === 1) return [names[0] as string, lock.servers[names[0] as string] as ServerEntry];
    throw new CapsealError('USAGE', `${path} locks ${names.length} servers; pick one with --server`, {
      details: names.map((n) => `server: ${n}`),
    });
  }
  const entry = Object.hasOwn(lock.servers, name) ? lock.servers[name] : undefined;
  if (entry === undefined) {
    throw new CapsealError('USAGE', `${path} has no server "${name}"`, {
      details: names.map((n) => `server: ${n}`),
    });
  }
  return [name, entry];
}

/** A stdio spec as `lock` would launch it: relative script and directory paths against its baseDir. */
function processSpec(
  spec: Extract<ServerSpec, { transport: 'stdio' }>,
  baseDir: string,
  envNames: string[],
): { spec: ServerProcessSpec; pinSpec: ServerProcessSpec } {
  const out: ServerProcessSpec = {
    command: resolvePathArg(spec.command, baseDir),
    args: spec.args.map((a) => resolvePathArg(a, baseDir)),
    envNames,
  };
  if (spec.env !== undefined) out.env = spec.env;
  if (spec.cwd !== undefined) out.cwd = resolve(baseDir, spec.cwd);
  // The pin is checked on the command as locked, against the same baseDir `lock` resolved it against.
  return { spec: out, pinSpec: { command: spec.command, args: spec.args } };
}

function httpSpec(spec: Extract<ServerSpec, { transport: 'streamable-http' | 'sse' }>): HttpUpstreamSpec {
  return { url: spec.url, transport: spec.transport, headers: spec.headers ?? {} };
}

async function resolveUpstream(
  options: ProxyStartOptions,
  name: string,
  entry: ServerEntry,
): Promise<{
  upstream: Upstream;
  pinSpec?: ServerProcessSpec;
  baseDir: string;
  launch?: Launch;
  launchBase?: string;
}> {
  const { source, cwd } = options;
  const context = { env: options.env, cwd };
  const sources = [
    source.command !== undefined ? '-- CMD' : undefined,
    source.url !== undefined ? '--url' : undefined,
    source.config !== undefined ? '--config' : undefined,
  ].filter((x) => x !== undefined);
  if (sources.length > 1) {
    throw new CapsealError('USAGE', `proxy: give only one server source (got ${sources.join(' and ')})`);
  }
  const envNames = [
    ...(entry.source.transport === 'stdio' ? (entry.source.env ?? []) : []),
    ...(source.envNames ?? []),
  ];
  const locked = entry.source;
  // A URL, given or locked, goes through the same parsing as `lock --url`.
  const url = source.url ?? (sources.length === 0 && locked.transport !== 'stdio' ? locked.url : undefined);
  if (url !== undefined) {
    const [spec] = await resolveServerSpecs(
      {
        url,
        transport: source.transport ?? (locked.transport === 'stdio' ? 'streamable-http' : locked.transport),
        ...(source.headers === undefined ? {} : { headers: source.headers }),
      },
      context,
    );
    if (spec === undefined || spec.transport === 'stdio') throw new CapsealError('INTERNAL', 'proxy: no URL');
    return { upstream: { kind: 'http', spec: httpSpec(spec) }, baseDir: cwd };
  }
  if (source.command !== undefined) {
    const [command, ...args] = source.command;
    if (command === undefined) throw new CapsealError('USAGE', 'proxy: nothing after --');
    const launch: Launch = { command, args, envNames: source.envNames ?? [] };
    return { upstream: { kind: 'stdio', spec: { command, args, envNames } }, baseDir: cwd, launch };
  }
  if (source.config !== undefined) {
    const [spec] = await resolveServerSpecs({ config: source.config, name }, context);
    if (spec === undefined) throw new CapsealError('INTERNAL', 'proxy: no server in the config');
    if (spec.transport !== 'stdio') return { upstream: { kind: 'http', spec: httpSpec(spec) }, baseDir: cwd };
    const baseDir = spec.baseDir ?? cwd;
    const { spec: run, pinSpec } = processSpec(spec, baseDir, envNames);
    const launch: Launch = {
      command: spec.command,
      args: spec.args,
      ...(run.cwd === undefined ? {} : { cwd: run.cwd }),
      envNames: [...Object.keys(spec.env ?? {}), ...(source.envNames ?? [])],
    };
    // The lock recorded the config's cwd as written: relative to the config file's directory.
    const launchBase = resolve(cwd, dirname(source.config));
    return { upstream: { kind: 'stdio', spec: run }, pinSpec, baseDir, launch, launchBase };
  }
  if (locked.transport !== 'stdio') throw new CapsealError('INTERNAL', 'proxy: unreachable');
  const spec: ServerProcessSpec = { command: locked.command, args: locked.args, envNames };
  if (locked.cwd !== undefined) spec.cwd = resolve(cwd, locked.cwd);
  const launch: Launch = { ...locked, envNames: source.envNames ?? [] };
  return { upstream: { kind: 'stdio', spec }, baseDir: cwd, launch };
}

/** Flags that only make sense for one kind of upstream are usage errors for the other. */
function checkUpstreamFlags(source: ProxySourceInput, upstream: Upstream): void {
  if (upstream.kind === 'http' && (source.envNames?.length ?? 0) > 0) {
    throw new CapsealError(
      'USAGE',
      'proxy: --env applies to a stdio server only (this one is reached by URL)',
    );
  }
  const httpOnly = [
    (source.headers?.length ?? 0) > 0 ? '--header' : undefined,
    source.transport !== undefined ? '--transport' : undefined,
  ].filter((x) => x !== undefined);
  if (upstream.kind === 'stdio' && httpOnly.length > 0) {
    throw new CapsealError('USAGE', `proxy: ${httpOnly.join(', ')} apply to a server reached by URL only`);
  }
}

/** Result-time policy: the locked entry's input built once, each scanned result evaluated (policy/content.ts). */
function resultPolicyFor(compiled: CompiledPolicy, name: string, entry: ServerEntry): ResultPolicy {
  const base = buildPolicyInput({ name, entry });
  return ({ method, name: target, result }) => {
    const scan = scanResult(compiled, { ...base, result: extractResult(method, target, result) });
    return scan.action === 'redact'
      ? { action: 'redact', verdicts: scan.verdicts, result: redactResult(method, result, scan.spans) }
      : { action: scan.action, verdicts: scan.verdicts };
  };
}

/**
 * Call-time policy from the packs: compiled once (by the pre-flight), the locked entry's policy input
 * built once, and each gated request evaluates only the call-time rules (those reading `call`). Packs
 * without call-time rules add no per-request work.
 */
function callPolicyFor(
  compiled: CompiledPolicy,
  refs: readonly string[],
  name: string,
  entry: ServerEntry,
  logger: Logger,
): CallPolicy | undefined {
  if (!hasCallRules(compiled)) {
    logger.info(`policy ${refs.join(', ')}: no call-time rules`);
    return undefined;
  }
  const base = buildPolicyInput({ name, entry });
  return (input) =>
    evaluateCall(compiled, {
      ...base,
      call: buildCall({
        method: input.method,
        ...(input.kind === 'tools' ? { tool: input.name } : {}),
        ...(input.kind === 'prompts' ? { prompt: input.name } : {}),
        ...(input.kind === 'resources' ? { uri: input.name } : {}),
        arguments: input.arguments,
      }),
    });
}

/**
 * The sandboxed launch of a locked stdio server, for `capseal proxy` and every stdio upstream of the
 * gateway: the allow-listed environment (HOME, PATH and TMPDIR are the sandbox's own), an npm package
 * fetched outside and pinned against the lock, and the lock's network unless the caller overrides it.
 */
export function prepareProxyLaunch(options: {
  spec: ServerProcessSpec;
  entry: ServerEntry;
  mode: SandboxMode;
  network: NetworkMode;
  baseDir: string;
  parentEnv: NodeJS.ProcessEnv;
  logger: Logger;
}): Promise<SandboxedLaunch> {
  const { spec, entry, parentEnv, logger } = options;
  const { HOME: _home, PATH: _path, TMPDIR: _tmp, ...env } = buildServerEnv(parentEnv, spec);
  const plan = planArtifact({
    name: 'server',
    transport: 'stdio',
    command: spec.command,
    args: [...spec.args],
  });
  return prepareLaunch(
    {
      name: 'server',
      command: spec.command,
      args: spec.args,
      env,
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
      baseDir: options.baseDir,
      ...(plan.kind === 'npm' ? { npm: { name: plan.name, requested: plan.requested } } : {}),
      pin: entry.artifact,
      writableGrants: true,
    },
    {
      settings: { mode: options.mode, network: options.network, limits: DEFAULT_RESOURCE_LIMITS },
      parentEnv,
      logger,
    },
  );
}
