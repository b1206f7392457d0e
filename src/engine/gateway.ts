import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  compileToolFilter,
  createNamespace,
  ENTRY_KINDS,
  findNamespaceProblems,
  type GatewayConfig,
  type LockedNames,
  type PreparedGateway,
  type PreparedUpstream,
  parseGatewayConfig,
  type UpstreamConfig,
  unprefixedUpstream,
} from '../gateway/index.js';
import type { ServerEntry } from '../lockfile/index.js';
import type { SandboxedLaunch, ServerProcessSpec } from '../proxy/io/index.js';
import { CapsealError, errorMessage, type Logger } from '../shared/index.js';
import { loadVerifiedLock, type VerifyLockOptions } from '../sign/io/index.js';
import { LOCK_NORMALIZERS, prepareProxy, prepareProxyLaunch } from './proxy.js';

export interface GatewayStartOptions {
  configPath: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

/** Read and validate capseal.gateway.yaml: INVALID_INPUT listing every problem by path. */
export async function readGatewayConfig(path: string): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `cannot read ${path}`, { details: [errorMessage(error)] });
  }
  const parsed = parseGatewayConfig(text);
  if (!parsed.ok)
    throw new CapsealError('INVALID_INPUT', `${path} is not a valid gateway configuration`, {
      details: parsed.problems,
    });
  return parsed.config;
}

function verifyOptions(config: GatewayConfig, baseDir: string): VerifyLockOptions {
  return {
    path: resolve(baseDir, config.lockfile),
    requireSignature: config.signature.require || config.signature.publicKey !== undefined,
    ...(config.signature.publicKey === undefined
      ? {}
      : { publicKeyPath: resolve(baseDir, config.signature.publicKey) }),
  };
}

/**
 * `capseal gateway check`: validate a config offline. Every problem, by path: the schema, the lockfile
 * (read and verified as the gateway would, signature included when asked), an upstream naming no locked
 * server, and namespace collisions over the locked names. Nothing is launched or reached. Empty: valid.
 */
export async function checkGatewayConfig(path: string): Promise<string[]> {
  let config: GatewayConfig;
  try {
    config = await readGatewayConfig(path);
  } catch (error) {
    if (error instanceof CapsealError) return error.details.length > 0 ? [...error.details] : [error.message];
    throw error;
  }
  const baseDir = dirname(path);
  let servers: Record<string, ServerEntry>;
  try {
    servers = (await loadVerifiedLock(verifyOptions(config, baseDir))).lock.servers;
  } catch (error) {
    const e = error instanceof CapsealError ? error : undefined;
    return [
      `lockfile: ${e?.message ?? errorMessage(error)}`,
      ...(e?.details ?? []).map((d) => `lockfile: ${d}`),
    ];
  }
  return lockProblems(config, servers);
}

function lockProblems(config: GatewayConfig, servers: Record<string, ServerEntry>): string[] {
  const problems: string[] = [];
  const locked: LockedNames[] = [];
  for (const [name, u] of Object.entries(config.upstreams)) {
    const server = u.server ?? name;
    const entry = Object.hasOwn(servers, server) ? servers[server] : undefined;
    if (entry === undefined) {
      problems.push(`upstreams.${name}.server: the lockfile has no server "${server}"`);
      continue;
    }
    locked.push({ upstream: name, names: namesOf(entry) });
  }
  const ns = createNamespace(config.separator, Object.keys(config.upstreams), unprefixedUpstream(config));
  return [...problems, ...findNamespaceProblems(ns, locked)];
}

function namesOf(entry: ServerEntry): LockedNames['names'] {
  const names = {} as Record<(typeof ENTRY_KINDS)[number], string[]>;
  for (const kind of ENTRY_KINDS) names[kind] = Object.keys(entry[kind] ?? {});
  return names;
}

/**
 * The gateway's start-up, all before anything is spawned or connected to: read the config, then for each
 * upstream the proxy's own pre-flight (prepareProxy: packs compiled, lockfile signature verified, entry
 * selected, launch compared with the lock, artifact pin checked), then the namespace checked over every
 * locked name (a collision is INVALID_INPUT). Stdio upstreams get a sandboxed launch per (re)start.
 */
export async function prepareGateway(options: GatewayStartOptions): Promise<PreparedGateway> {
  const configPath = options.configPath;
  const config = await readGatewayConfig(configPath);
  const baseDir = dirname(configPath);
  const verify = verifyOptions(config, baseDir);
  const upstreams: PreparedUpstream[] = [];
  const servers: Record<string, ServerEntry> = {};
  for (const [name, u] of Object.entries(config.upstreams)) {
    const logger = prefixed(options.logger, name);
    const prepared = await prepareProxy({
      verify,
      server: u.server ?? name,
      source: sourceOf(u, options.env, name),
      policies: config.policies,
      cwd: baseDir,
      env: options.env,
      logger,
    });
    servers[prepared.serverName] = prepared.entry;
    const up: PreparedUpstream = {
      name,
      serverName: prepared.serverName,
      entry: prepared.entry,
      transport:
        prepared.upstream.kind === 'http'
          ? { kind: 'http', spec: prepared.upstream.spec }
          : { kind: 'stdio', spec: prepared.upstream.spec },
      normalizers: LOCK_NORMALIZERS,
      policy: prepared.policy,
      resultPolicy: prepared.resultPolicy,
      allowMethods: prepared.allowMethods,
      filter: compileToolFilter(u.tools),
      required: u.required,
    };
    if (prepared.upstream.kind === 'stdio' && config.sandbox.mode !== 'off') {
      const spec = prepared.upstream.spec;
      up.launch = () => sandboxedLaunch(spec, prepared.entry, config, baseDir, options.env, logger);
    }
    upstreams.push(up);
  }
  const problems = lockProblems(config, servers);
  if (problems.length > 0)
    throw new CapsealError('INVALID_INPUT', `${configPath}: the upstreams' names collide`, {
      details: problems,
    });
  const token =
    config.listen.tokenFile === undefined
      ? undefined
      : await readToken(resolve(baseDir, config.listen.tokenFile));
  return {
    config,
    configPath,
    namespace: createNamespace(config.separator, Object.keys(config.upstreams), unprefixedUpstream(config)),
    upstreams,
    ...(token === undefined ? {} : { token }),
    ...(config.auditLog === undefined ? {} : { auditLog: resolve(baseDir, config.auditLog) }),
  };
}

function sourceOf(u: UpstreamConfig, env: NodeJS.ProcessEnv, name: string) {
  const headers = Object.entries(u.headers ?? {}).map(([k, v]) => {
    const m = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(v);
    const value = m === null ? v : env[m[1] as string];
    if (value === undefined)
      throw new CapsealError('USAGE', `upstreams.${name}.headers.${k}: variable ${m?.[1]} is not set`);
    return `${k}: ${value}`;
  });
  return {
    ...(u.command === undefined ? {} : { command: u.command }),
    ...(u.url === undefined ? {} : { url: u.url }),
    ...(u.transport === undefined ? {} : { transport: u.transport }),
    ...(headers.length === 0 ? {} : { headers }),
    ...(u.env === undefined ? {} : { envNames: u.env }),
  };
}

async function readToken(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new CapsealError('INVALID_INPUT', `cannot read listen.tokenFile ${path}`, {
      details: [errorMessage(error)],
    });
  });
  const token = (text.split(/\r?\n/, 1)[0] ?? '').trim();
  if (token.length < 16 || /\s/.test(token))
    throw new CapsealError('INVALID_INPUT', `listen.tokenFile ${path}: one word of at least 16 characters`);
  return token;
}

/** The sandboxed launch of a stdio upstream, as `capseal proxy` prepares it (network: the lock's, or the config's). */
function sandboxedLaunch(
  spec: ServerProcessSpec,
  entry: ServerEntry,
  config: GatewayConfig,
  baseDir: string,
  parentEnv: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<SandboxedLaunch> {
  const lockedNetwork = entry.sandbox.network === 'allowed' ? 'allowed' : 'denied';
  const network =
    config.sandbox.network === undefined
      ? lockedNetwork
      : config.sandbox.network === 'allow'
        ? 'allowed'
        : 'denied';
  return prepareProxyLaunch({ spec, entry, mode: config.sandbox.mode, network, baseDir, parentEnv, logger });
}

function prefixed(inner: Logger, name: string): Logger {
  return {
    info: (m) => inner.info(`${name}: ${m}`),
    warn: (m) => inner.warn(`${name}: ${m}`),
    debug: (m) => inner.debug(`${name}: ${m}`),
  };
}
