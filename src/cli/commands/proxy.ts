import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Lockfile, ServerEntry } from '../../lockfile/index.js';
import {
  buildCall,
  buildPolicyInput,
  compilePacks,
  evaluateCall,
  extensionMethods,
  hasCallRules,
} from '../../policy/index.js';
import { readPacks } from '../../policy/io/read-packs.js';
import {
  type CallPolicy,
  DEFAULT_PROXY_LIMITS,
  type EntryNormalizers,
  PROXY_MODES,
  type ProxyLimits,
  ProxySession,
} from '../../proxy/index.js';
import type { HttpUpstreamSpec } from '../../proxy/io/http-upstream.js';
import {
  type AuditSink,
  type Endpoint,
  nullAuditSink,
  openAuditLog,
  type PinCheck,
  runRelay,
  type ServerProcessSpec,
  stdioHostEndpoint,
  stdioServerEndpoint,
  verifyArtifactPin,
  verifyRemotePin,
} from '../../proxy/io/index.js';
import { CapsealError } from '../../shared/errors.js';
import { createStreamLogger, type Logger } from '../../shared/logger.js';
import { loadVerifiedLock } from '../../sign/io/load-verified-lock.js';
import {
  normalizePrompt,
  normalizeResource,
  normalizeResourceTemplate,
  normalizeTool,
  parseMcpConfig,
} from '../../snapshot/index.js';
import { parseChoice, parseCommandArgs } from '../args.js';
import type { CliIO, Command } from '../io.js';
import { resolveServerSpecs, serverInputFrom } from '../server-source.js';
import {
  type SignatureOptionValues,
  signatureOptionSpec,
  signatureOptionUsage,
  toVerifyLockOptions,
} from '../signature-options.js';

interface ProxyValues extends SignatureOptionValues {
  lock?: string;
  server?: string;
  mode?: string;
  'audit-log'?: string;
  'audit-arguments'?: boolean;
  policy?: string[];
  config?: string;
  env?: string[];
  url?: string;
  header?: string[];
  transport?: string;
  sse?: boolean;
  listen?: string;
  'listen-any'?: boolean;
  'listen-token-file'?: string;
  'listen-allow-host'?: string[];
  'max-line-bytes'?: string;
  'max-pending'?: string;
  'timeout-ms'?: string;
  'max-depth'?: string;
  quiet?: boolean;
}

const OPTIONS = {
  lock: { type: 'string' },
  server: { type: 'string' },
  mode: { type: 'string' },
  'audit-log': { type: 'string' },
  'audit-arguments': { type: 'boolean' },
  policy: { type: 'string', multiple: true },
  config: { type: 'string' },
  env: { type: 'string', multiple: true },
  url: { type: 'string' },
  header: { type: 'string', multiple: true },
  transport: { type: 'string' },
  sse: { type: 'boolean' },
  listen: { type: 'string' },
  'listen-any': { type: 'boolean' },
  'listen-token-file': { type: 'string' },
  'listen-allow-host': { type: 'string', multiple: true },
  'max-line-bytes': { type: 'string' },
  'max-pending': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'max-depth': { type: 'string' },
  quiet: { type: 'boolean' },
  ...signatureOptionSpec,
} as const;

/** The normalizers `lock` uses: a live entry and a locked entry compare digest for digest. */
export const LOCK_NORMALIZERS: EntryNormalizers = {
  tools: normalizeTool,
  prompts: normalizePrompt,
  resources: normalizeResource,
  resourceTemplates: normalizeResourceTemplate,
};

function positiveInt(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new CapsealError('USAGE', `--${option} must be a positive integer (got "${value}")`);
  }
  return n;
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

/** How the proxy reaches the server: a process it spawns, or a URL it connects to. */
type Upstream = { kind: 'stdio'; spec: ServerProcessSpec } | { kind: 'http'; spec: HttpUpstreamSpec };

async function readConfig(file: string, name: string, cwd: string) {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `cannot read config ${path}`, {
      details: [error instanceof Error ? error.message : String(error)],
    });
  }
  const spec = parseMcpConfig(text, path).find((s) => s.name === name);
  if (spec === undefined) throw new CapsealError('USAGE', `${path} has no server "${name}"`);
  return spec;
}

/** `--url` (with --header/--transport/--sse), through the same parsing as `lock --url`. */
async function urlUpstream(values: ProxyValues, entry: ServerEntry, io: CliIO): Promise<HttpUpstreamSpec> {
  const locked = entry.source.transport === 'stdio' ? undefined : entry.source.transport;
  const input = serverInputFrom({ ...values, config: undefined, env: undefined }, undefined);
  const [spec] = await resolveServerSpecs({ transport: locked ?? 'streamable-http', ...input }, io);
  if (spec === undefined || spec.transport === 'stdio') throw new CapsealError('INTERNAL', 'proxy: no URL');
  return { url: spec.url, transport: spec.transport, headers: spec.headers ?? {} };
}

async function resolveUpstream(
  values: ProxyValues,
  command: string[] | undefined,
  name: string,
  entry: ServerEntry,
  io: CliIO,
): Promise<Upstream> {
  const cwd = io.cwd;
  const sources = [
    command !== undefined ? '-- CMD' : undefined,
    values.url !== undefined ? '--url' : undefined,
    values.config !== undefined ? '--config' : undefined,
  ].filter((x) => x !== undefined);
  if (sources.length > 1) {
    throw new CapsealError('USAGE', `proxy: give only one server source (got ${sources.join(' and ')})`);
  }
  const envNames = [
    ...(entry.source.transport === 'stdio' ? (entry.source.env ?? []) : []),
    ...(values.env ?? []),
  ];
  if (command !== undefined) {
    const [cmd, ...args] = command;
    if (cmd === undefined) throw new CapsealError('USAGE', 'proxy: nothing after --');
    return { kind: 'stdio', spec: { command: cmd, args, envNames } };
  }
  if (values.url !== undefined) return { kind: 'http', spec: await urlUpstream(values, entry, io) };
  if (values.config !== undefined) {
    const spec = await readConfig(values.config, name, cwd);
    if (spec.transport !== 'stdio') {
      return {
        kind: 'http',
        spec: { url: spec.url, transport: spec.transport, headers: spec.headers ?? {} },
      };
    }
    const out: ServerProcessSpec = { command: spec.command, args: spec.args, envNames };
    if (spec.env !== undefined) out.env = spec.env;
    if (spec.cwd !== undefined) out.cwd = resolve(cwd, spec.cwd);
    return { kind: 'stdio', spec: out };
  }
  const source = entry.source;
  if (source.transport !== 'stdio') {
    return { kind: 'http', spec: await urlUpstream({ ...values, url: source.url }, entry, io) };
  }
  const out: ServerProcessSpec = { command: source.command, args: source.args, envNames };
  if (source.cwd !== undefined) out.cwd = resolve(cwd, source.cwd);
  return { kind: 'stdio', spec: out };
}

/** Flags that only make sense for one kind of upstream are usage errors for the other. */
function checkUpstreamFlags(values: ProxyValues, upstream: Upstream): void {
  if (upstream.kind === 'http' && (values.env?.length ?? 0) > 0) {
    throw new CapsealError(
      'USAGE',
      'proxy: --env applies to a stdio server only (this one is reached by URL)',
    );
  }
  const httpOnly = [
    (values.header?.length ?? 0) > 0 ? '--header' : undefined,
    values.transport !== undefined ? '--transport' : undefined,
    values.sse ? '--sse' : undefined,
  ].filter((x) => x !== undefined);
  if (upstream.kind === 'stdio' && httpOnly.length > 0) {
    throw new CapsealError('USAGE', `proxy: ${httpOnly.join(', ')} apply to a server reached by URL only`);
  }
}

/** The artifact check for either kind: the spawned command's pin, or the URL's. */
async function verifyUpstream(upstream: Upstream, entry: ServerEntry, io: CliIO): Promise<PinCheck> {
  if (upstream.kind === 'http') return verifyRemotePin(entry, upstream.spec.url);
  return verifyArtifactPin(entry.artifact, upstream.spec, io.cwd, io.env);
}

function describeUpstream(upstream: Upstream): string {
  return upstream.kind === 'http'
    ? `${upstream.spec.transport} ${upstream.spec.url}`
    : `${upstream.spec.command} ${upstream.spec.args.join(' ')}`;
}

/**
 * Call-time policy from `--policy` packs: the packs are compiled once, the locked entry's policy input is
 * built once, and each gated request evaluates only the call-time rules (those reading `call`). Packs
 * without call-time rules add no per-request work.
 */
async function loadCallPolicy(
  refs: readonly string[],
  cwd: string,
  name: string,
  entry: ServerEntry,
  logger: Logger,
): Promise<{ policy?: CallPolicy; methods: string[] }> {
  if (refs.length === 0) return { methods: [] };
  const compiled = compilePacks(await readPacks([...refs], cwd));
  if (!hasCallRules(compiled)) {
    logger.info(`policy ${refs.join(', ')}: no call-time rules`);
    return { methods: [] };
  }
  const base = buildPolicyInput({ name, entry });
  const policy: CallPolicy = (input) =>
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
  return { policy, methods: extensionMethods(compiled) };
}

export const proxyCommand: Command = {
  summary: 'run between a host and a server, enforcing the verified lockfile on every message',
  usage: [
    'capseal proxy --lock FILE [--server NAME] [--mode enforce|filter-only|audit-only]',
    '                     [--audit-log FILE] [--audit-arguments] [--policy PACK]… [--config FILE]',
    '                     [--env NAME]… [--max-line-bytes N] [--max-pending N] [--timeout-ms N] [--max-depth N]',
    '                     [signature options] [-- CMD… | --url URL [--header "Name: value"]… [--sse]]',
    '                     [--listen [HOST:]PORT [--listen-token-file FILE] [--listen-any --listen-allow-host HOST[:PORT]…]]',
    '',
    signatureOptionUsage,
    '',
    'Without -- CMD, --url or --config the server is launched (stdio) or reached (streamable-http, sse) as the',
    'lockfile records it. A URL must equal the locked one (exit 1 otherwise: re-lock to move a server);',
    'header values are never in the lockfile: pass them with --header.',
    'The host talks on stdin/stdout, or with --listen over Streamable HTTP at http://HOST:PORT/mcp (one session;',
    'loopback only unless --listen-any; port 0 picks a free port, printed on stderr). Every request needs',
    '"Authorization: Bearer TOKEN": the token is generated and printed on stderr, or read from --listen-token-file.',
    'Blocked requests are answered with JSON-RPC error -32010 and data { reason, kind, server, method, target }.',
    'Exit: 0 host hung up · 1 signature/artifact check failed (nothing spawned) · 2 usage/invalid lockfile ·',
    '3 the server exited, crashed or became unreachable during the session.',
  ].join('\n'),
  async run(argv, io) {
    const { values, command } = parseCommandArgs<ProxyValues>('proxy', argv, OPTIONS);
    if (values.lock === undefined) throw new CapsealError('USAGE', 'proxy: --lock FILE is required');
    const mode = parseChoice('mode', values.mode, PROXY_MODES, 'enforce');
    const limits: ProxyLimits = {
      ...DEFAULT_PROXY_LIMITS,
      maxLineBytes: positiveInt(
        'max-line-bytes',
        values['max-line-bytes'],
        DEFAULT_PROXY_LIMITS.maxLineBytes,
      ),
      maxPending: positiveInt('max-pending', values['max-pending'], DEFAULT_PROXY_LIMITS.maxPending),
      requestTimeoutMs: positiveInt(
        'timeout-ms',
        values['timeout-ms'],
        DEFAULT_PROXY_LIMITS.requestTimeoutMs,
      ),
      maxDepth: positiveInt('max-depth', values['max-depth'], DEFAULT_PROXY_LIMITS.maxDepth),
    };
    const logger: Logger = prefixed(createStreamLogger(io.stderr), values.quiet === true);
    const lockPath = resolve(io.cwd, values.lock);
    // Signature first: nothing is spawned unless the lockfile verifies (SIGNATURE_INVALID → exit 1).
    const { lock, signature } = await loadVerifiedLock(toVerifyLockOptions(lockPath, values, io.cwd));
    logger.info(`lockfile ${lockPath} (signature: ${signature})`);
    const [serverName, entry] = selectServer(lock, values.server, lockPath);
    const upstream = await resolveUpstream(values, command, serverName, entry, io);
    checkUpstreamFlags(values, upstream);
    // The pin is checked before anything is spawned or connected to (ARTIFACT_MISMATCH → exit 1).
    const pin = await verifyUpstream(upstream, entry, io);
    logger.info(`artifact ${pin.status}: ${pin.detail}`);
    if (upstream.kind === 'http' && entry.source.transport !== 'stdio') {
      const given = Object.keys(upstream.spec.headers ?? {}).map((h) => h.toLowerCase());
      const missing = (entry.source.headers ?? []).filter((h) => !given.includes(h.toLowerCase()));
      if (missing.length > 0)
        logger.warn(`the lockfile was made with header(s) ${missing.join(', ')}; pass them with --header`);
    }
    const { policy, methods } = await loadCallPolicy(values.policy ?? [], io.cwd, serverName, entry, logger);
    const sessionId = randomUUID();
    const session = new ProxySession({
      sessionId,
      serverName,
      entry,
      mode,
      limits,
      normalizers: LOCK_NORMALIZERS,
      ...(policy ? { policy } : {}),
      allowMethods: methods,
      auditArguments: values['audit-arguments'] === true,
      recordAllowed: values['audit-log'] !== undefined,
    });
    const audit: AuditSink =
      values['audit-log'] === undefined ? nullAuditSink : openAuditLog(resolve(io.cwd, values['audit-log']));
    if (values['listen-any'] === true && values.listen === undefined) {
      throw new CapsealError('USAGE', 'proxy: --listen-any needs --listen HOST:PORT');
    }
    if (
      values.listen === undefined &&
      (values['listen-token-file'] ?? values['listen-allow-host']) !== undefined
    ) {
      throw new CapsealError('USAGE', 'proxy: --listen-token-file and --listen-allow-host need --listen');
    }
    // Parsed (loopback check) before anything is bound; bound before the server is started.
    // The HTTP transports are loaded only when used: a stdio proxy stays as small as before.
    const httpHost = values.listen === undefined ? undefined : await import('../../proxy/io/http-host.js');
    const listen =
      values.listen === undefined || httpHost === undefined
        ? undefined
        : httpHost.parseListenAddress(values.listen, values['listen-any'] === true);
    const allowHosts = values['listen-allow-host'] ?? [];
    if (listen !== undefined) httpHost?.checkListenAllowList(listen, allowHosts);
    const token =
      listen === undefined || httpHost === undefined
        ? undefined
        : values['listen-token-file'] === undefined
          ? httpHost.generateListenToken()
          : await readListenToken(resolve(io.cwd, values['listen-token-file']));
    const host = hostStreams(io);
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    logger.info(`session ${sessionId}: ${mode} ${serverName} (${describeUpstream(upstream)})`);
    const server: Endpoint =
      upstream.kind === 'http'
        ? (await import('../../proxy/io/http-upstream.js')).httpUpstreamEndpoint(upstream.spec, logger)
        : stdioServerEndpoint(upstream.spec, { env: io.env, logger, stderr: io.stderr as Writable });
    try {
      let hostEndpoint: Endpoint = stdioHostEndpoint(host.input, host.output);
      if (listen !== undefined && httpHost !== undefined) {
        const http = await httpHost.listenHttpHost(listen, logger, { token: token as string, allowHosts });
        // Always shown (even with --quiet): with port 0 this is the only way to learn the port, and a
        // generated token the only way to learn the token.
        if (values['listen-token-file'] === undefined)
          io.stderr.write(`capseal proxy: listen token: ${token}\n`);
        io.stderr.write(`capseal proxy: listening on ${http.url}\n`);
        hostEndpoint = http;
      }
      const result = await runRelay({
        session,
        host: hostEndpoint,
        server,
        logger,
        audit,
        signal: controller.signal,
      });
      logger.info(`session ${sessionId} ended: ${result.reason}`);
      return result.exitCode;
    } finally {
      // The host may still be connected (the server ended the session): stop reading so we can exit.
      host.input.destroy();
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      audit.close();
    }
  },
};

/** A `--listen-token-file`: its first line, at least 16 characters (a guessable token is no token). */
async function readListenToken(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `cannot read --listen-token-file ${path}`, {
      details: [error instanceof Error ? error.message : String(error)],
    });
  }
  const token = (text.split(/\r?\n/, 1)[0] ?? '').trim();
  if (token.length < 16 || /\s/.test(token))
    throw new CapsealError(
      'INVALID_INPUT',
      `--listen-token-file ${path}: the token must be one word of at least 16 characters`,
    );
  return token;
}

function prefixed(inner: Logger, quiet: boolean): Logger {
  return {
    info: (m) => {
      if (!quiet) inner.info(`capseal proxy: ${m}`);
    },
    warn: (m) => inner.info(`capseal proxy: warning: ${m}`),
    debug: (m) => inner.debug(`capseal proxy: ${m}`),
  };
}

function hostStreams(io: CliIO): { input: Readable; output: Writable } {
  const withStdin = io as CliIO & { stdin?: Readable };
  return {
    input: withStdin.stdin ?? process.stdin,
    output: io.stdout === process.stdout ? process.stdout : (io.stdout as Writable),
  };
}
