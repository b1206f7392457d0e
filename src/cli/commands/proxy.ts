import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { LOCK_NORMALIZERS, prepareProxy, prepareProxyLaunch } from '../../engine/index.js';
import type { ServerEntry } from '../../lockfile/index.js';
import {
  DEFAULT_PROXY_LIMITS,
  lockedParamBindings,
  PROXY_MODES,
  type ProxyLimits,
  ProxySession,
} from '../../proxy/index.js';
import type { ServerProcessSpec } from '../../proxy/io/index.js';
import {
  type AuditSink,
  type Endpoint,
  nullAuditSink,
  openAuditLog,
  runRelay,
  stdioHostEndpoint,
  stdioServerEndpoint,
} from '../../proxy/io/index.js';
import { CapsealError, createStreamLogger, type Logger, MAX_JSON_DEPTH_CEILING } from '../../shared/index.js';
import { parseChoice, parseCommandArgs } from '../args.js';
import { type CliIO, type Command, describeFsError } from '../io.js';
import { sandboxSettingsFrom, serverInputFrom } from '../server-options.js';
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
  listen?: string;
  'listen-any'?: boolean;
  'listen-token-file'?: string;
  'listen-allow-host'?: string[];
  'allow-launch-change'?: boolean;
  'max-line-bytes'?: string;
  'max-pending'?: string;
  timeout?: string;
  'max-depth'?: string;
  quiet?: boolean;
  sandbox?: string;
  network?: string;
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
  listen: { type: 'string' },
  'listen-any': { type: 'boolean' },
  'listen-token-file': { type: 'string' },
  'listen-allow-host': { type: 'string', multiple: true },
  'allow-launch-change': { type: 'boolean' },
  'max-line-bytes': { type: 'string' },
  'max-pending': { type: 'string' },
  timeout: { type: 'string' },
  'max-depth': { type: 'string' },
  quiet: { type: 'boolean' },
  sandbox: { type: 'string' },
  network: { type: 'string' },
  ...signatureOptionSpec,
} as const;

function positiveInt(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new CapsealError('USAGE', `--${option} must be a positive integer (got "${value}")`);
  }
  return n;
}

function describeUpstream(prepared: Awaited<ReturnType<typeof prepareProxy>>): string {
  const { upstream } = prepared;
  return upstream.kind === 'http'
    ? `${upstream.spec.transport} ${upstream.spec.url}`
    : `${upstream.spec.command} ${upstream.spec.args.join(' ')}`;
}

export const proxyCommand: Command = {
  summary: 'run between a host and a server, enforcing the verified lockfile on every message',
  usage: [
    'capseal proxy --lock FILE [--server NAME] [--mode enforce|filter-only|audit-only]',
    '                     [--audit-log FILE] [--audit-arguments] [--policy PACK]… [--config FILE]',
    '                     [--env NAME]… [--max-line-bytes N] [--max-pending N] [--timeout MS] [--max-depth N]',
    '                     [signature options] [-- CMD… | --url URL [--header "Name: value"]… [--transport sse]]',
    '                     [--listen [HOST:]PORT [--listen-token-file FILE] [--listen-any --listen-allow-host H]…]',
    '                     [--sandbox strict|auto|off] [--network deny|allow] [--allow-launch-change]',
    '',
    `--timeout MS is the time allowed for each request (default ${DEFAULT_PROXY_LIMITS.requestTimeoutMs}).`,
    'A stdio server runs in the sandbox (--sandbox auto by default) with the network the lockfile recorded',
    '(network: denied stays denied) unless --network says otherwise.',
    signatureOptionUsage,
    '',
    'Without -- CMD, --url or --config the server is launched (stdio) or reached (streamable-http, sse) as the',
    'lockfile records it. A URL must equal the locked one (exit 1 otherwise: re-lock to move a server);',
    'header values are never in the lockfile: pass them with --header.',
    'The host talks on stdin/stdout, or with --listen over Streamable HTTP at http://HOST:PORT/mcp (one session;',
    'loopback only unless --listen-any; port 0 picks a free port, printed on stderr). Every request needs',
    '"Authorization: Bearer TOKEN": the token is generated and printed on stderr, or read from --listen-token-file.',
    'A launch (command, args, cwd, env names) other than the lockfile records is refused unless --allow-launch-change.',
    'A host that drops the bare -- (the MCP Inspector does) may give CMD right after the options: the same check.',
    'Blocked requests are answered with JSON-RPC error -32010 and data { reason, kind, server, method, target }.',
    'Exit: 0 host hung up · 1 signature/artifact check failed (nothing spawned) · 2 usage/invalid lockfile ·',
    '3 the server exited, crashed or became unreachable during the session.',
  ].join('\n'),
  async run(argv, io) {
    const { values, command } = parseCommandArgs<ProxyValues>('proxy', argv, OPTIONS, {
      stderr: io.stderr,
      // Some hosts (the MCP Inspector) drop the bare `--`: the launch is still held to the lockfile's.
      operandStartsCommand: true,
    });
    if (values.lock === undefined) throw new CapsealError('USAGE', 'proxy: --lock FILE is required');
    if (values['listen-any'] === true && values.listen === undefined) {
      throw new CapsealError('USAGE', 'proxy: --listen-any needs --listen HOST:PORT');
    }
    if (
      values.listen === undefined &&
      (values['listen-token-file'] ?? values['listen-allow-host']) !== undefined
    ) {
      throw new CapsealError('USAGE', 'proxy: --listen-token-file and --listen-allow-host need --listen');
    }
    const mode = parseChoice('mode', values.mode, PROXY_MODES, 'enforce');
    const limits: ProxyLimits = {
      ...DEFAULT_PROXY_LIMITS,
      maxLineBytes: positiveInt(
        'max-line-bytes',
        values['max-line-bytes'],
        DEFAULT_PROXY_LIMITS.maxLineBytes,
      ),
      maxPending: positiveInt('max-pending', values['max-pending'], DEFAULT_PROXY_LIMITS.maxPending),
      requestTimeoutMs: positiveInt('timeout', values.timeout, DEFAULT_PROXY_LIMITS.requestTimeoutMs),
      maxDepth: Math.min(
        positiveInt('max-depth', values['max-depth'], DEFAULT_PROXY_LIMITS.maxDepth),
        MAX_JSON_DEPTH_CEILING,
      ),
    };
    const logger: Logger = prefixed(createStreamLogger(io.stderr), values.quiet === true);
    const lockPath = resolve(io.cwd, values.lock);
    // --url/--header/--transport parsed as `lock --url` parses them.
    const { transport, headers } = serverInputFrom(
      { ...values, config: undefined, env: undefined },
      undefined,
    );
    // Signature first, then the entry, the launch and its artifact pin: nothing is spawned unless the
    // lockfile verifies (SIGNATURE_INVALID → exit 1) and the pin holds (ARTIFACT_MISMATCH → exit 1).
    const prepared = await prepareProxy({
      verify: toVerifyLockOptions(lockPath, values, io.cwd),
      ...(values.server === undefined ? {} : { server: values.server }),
      source: {
        ...(command === undefined ? {} : { command }),
        ...(values.url === undefined ? {} : { url: values.url }),
        ...(values.config === undefined ? {} : { config: values.config }),
        ...(headers === undefined ? {} : { headers }),
        ...(transport === undefined ? {} : { transport }),
        ...(values.env === undefined ? {} : { envNames: values.env }),
      },
      policies: values.policy ?? [],
      allowLaunchChange: values['allow-launch-change'] === true,
      cwd: io.cwd,
      env: io.env,
      logger,
    });
    const { serverName, entry, upstream, policy, resultPolicy, allowMethods } = prepared;
    const sessionId = randomUUID();
    const session = new ProxySession({
      sessionId,
      serverName,
      entry,
      mode,
      limits,
      normalizers: LOCK_NORMALIZERS,
      ...(policy ? { policy } : {}),
      ...(resultPolicy ? { resultPolicy } : {}),
      allowMethods,
      auditArguments: values['audit-arguments'] === true,
      recordAllowed: values['audit-log'] !== undefined,
    });
    const audit: AuditSink =
      values['audit-log'] === undefined ? nullAuditSink : openAudit(values['audit-log'], io.cwd);
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
          : await httpHost.readListenToken(resolve(io.cwd, values['listen-token-file']));
    const host = hostStreams(io);
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    logger.info(`session ${sessionId}: ${mode} ${serverName} (${describeUpstream(prepared)})`);
    // The locked `x-mcp-header` declarations: Mcp-Param-* checked on --listen and recomputed for --url.
    const paramBindings = lockedParamBindings(entry.tools);
    const sandbox =
      upstream.kind === 'stdio' ? await sandboxFor(upstream.spec, values, entry, io, logger) : undefined;
    const server: Endpoint =
      upstream.kind === 'http'
        ? (await import('../../proxy/io/http-upstream.js')).httpUpstreamEndpoint(
            { ...upstream.spec, paramBindings },
            logger,
          )
        : stdioServerEndpoint(upstream.spec, {
            env: io.env,
            logger,
            stderr: io.stderr as Writable,
            ...(sandbox === undefined ? {} : { sandbox }),
          });
    try {
      let hostEndpoint: Endpoint = stdioHostEndpoint(host.input, host.output);
      if (listen !== undefined && httpHost !== undefined) {
        const http = await httpHost.listenHttpHost(listen, logger, {
          token: token as string,
          allowHosts,
          paramBindings,
        });
        // A generated token is printed (also with --quiet): it is the only way to learn it.
        if (values['listen-token-file'] === undefined)
          io.stderr.write(`capseal proxy: listen token: ${token}\n`);
        // Always shown (even with --quiet): with port 0 this is the only way to learn the port.
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

/**
 * The sandboxed launch of a stdio upstream (before anything is spawned: strict without a sandbox is exit 3).
 * Network: --network when given, else what the lockfile recorded; path arguments are granted read-write.
 */
async function sandboxFor(
  spec: ServerProcessSpec,
  values: ProxyValues,
  entry: ServerEntry,
  io: CliIO,
  logger: Logger,
) {
  const locked = entry.sandbox.network === 'allowed' ? 'allowed' : 'denied';
  const { mode, network } = sandboxSettingsFrom(values, { network: locked });
  if (mode === 'off') return undefined; // explicit: spawned as before, with the allow-listed environment
  return prepareProxyLaunch({ spec, entry, mode, network, baseDir: io.cwd, parentEnv: io.env, logger });
}

/** The audit log, opened before anything is spawned: a path that cannot be written is a usage error. */
function openAudit(path: string, cwd: string): AuditSink {
  try {
    return openAuditLog(resolve(cwd, path));
  } catch (error) {
    throw new CapsealError(
      'USAGE',
      `--audit-log ${path}: cannot open for writing (${describeFsError(error)})`,
    );
  }
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
