import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Lockfile, ServerEntry } from '../../lockfile/index.js';
import { buildCall, buildPolicyInput, compilePacks, evaluateCall, hasCallRules } from '../../policy/index.js';
import { readPacks } from '../../policy/io/read-packs.js';
import {
  type CallPolicy,
  DEFAULT_PROXY_LIMITS,
  type EntryNormalizers,
  PROXY_MODES,
  type ProxyLimits,
  ProxySession,
} from '../../proxy/index.js';
import {
  type AuditSink,
  nullAuditSink,
  openAuditLog,
  runStdioProxy,
  type ServerProcessSpec,
  verifyArtifactPin,
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
  'max-line-bytes'?: string;
  'max-pending'?: string;
  'timeout-ms'?: string;
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
  'max-line-bytes': { type: 'string' },
  'max-pending': { type: 'string' },
  'timeout-ms': { type: 'string' },
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

async function launchSpec(
  values: ProxyValues,
  command: string[] | undefined,
  name: string,
  entry: ServerEntry,
  cwd: string,
): Promise<ServerProcessSpec> {
  const envNames = [
    ...(entry.source.transport === 'stdio' ? (entry.source.env ?? []) : []),
    ...(values.env ?? []),
  ];
  if (command !== undefined) {
    const [cmd, ...args] = command;
    if (cmd === undefined) throw new CapsealError('USAGE', 'proxy: nothing after --');
    return { command: cmd, args, envNames };
  }
  if (values.config !== undefined) {
    const path = resolve(cwd, values.config);
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
    if (spec.transport !== 'stdio') {
      throw new CapsealError(
        'USAGE',
        `proxy: server "${name}" is ${spec.transport}; only stdio servers are proxied`,
      );
    }
    const out: ServerProcessSpec = { command: spec.command, args: spec.args, envNames };
    if (spec.env !== undefined) out.env = spec.env;
    if (spec.cwd !== undefined) out.cwd = resolve(cwd, spec.cwd);
    return out;
  }
  const source = entry.source;
  if (source.transport !== 'stdio') {
    throw new CapsealError(
      'USAGE',
      `proxy: server "${name}" is ${source.transport}; only stdio servers are proxied`,
    );
  }
  const out: ServerProcessSpec = { command: source.command, args: source.args, envNames };
  if (source.cwd !== undefined) out.cwd = resolve(cwd, source.cwd);
  return out;
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
): Promise<CallPolicy | undefined> {
  if (refs.length === 0) return undefined;
  const compiled = compilePacks(await readPacks([...refs], cwd));
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

export const proxyCommand: Command = {
  summary: 'run between a host and a server, enforcing the verified lockfile on every message',
  usage: [
    'capseal proxy --lock FILE [--server NAME] [--mode enforce|filter-only|audit-only]',
    '                     [--audit-log FILE] [--audit-arguments] [--policy PACK]… [--config FILE]',
    '                     [--env NAME]… [--max-line-bytes N] [--max-pending N] [--timeout-ms N]',
    '                     [signature options] [-- CMD…]',
    '',
    signatureOptionUsage,
    '',
    'Without -- CMD (or --config) the server is launched as the lockfile records it.',
    'Blocked requests are answered with JSON-RPC error -32001 and data { reason, kind, server, method, target }.',
    'Exit: 0 host hung up · 1 signature/artifact check failed (nothing spawned) · 2 usage/invalid lockfile ·',
    '3 the server exited or crashed during the session.',
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
    };
    const logger: Logger = prefixed(createStreamLogger(io.stderr), values.quiet === true);
    const lockPath = resolve(io.cwd, values.lock);
    // Signature first: nothing is spawned unless the lockfile verifies (SIGNATURE_INVALID → exit 1).
    const { lock, signature } = await loadVerifiedLock(toVerifyLockOptions(lockPath, values, io.cwd));
    logger.info(`lockfile ${lockPath} (signature: ${signature})`);
    const [serverName, entry] = selectServer(lock, values.server, lockPath);
    const spec = await launchSpec(values, command, serverName, entry, io.cwd);
    const pin = await verifyArtifactPin(entry.artifact, spec, io.cwd, io.env);
    logger.info(`artifact ${pin.status}: ${pin.detail}`);
    const policy = await loadCallPolicy(values.policy ?? [], io.cwd, serverName, entry, logger);
    const sessionId = randomUUID();
    const session = new ProxySession({
      sessionId,
      serverName,
      entry,
      mode,
      limits,
      normalizers: LOCK_NORMALIZERS,
      ...(policy ? { policy } : {}),
      auditArguments: values['audit-arguments'] === true,
      recordAllowed: values['audit-log'] !== undefined,
    });
    const audit: AuditSink =
      values['audit-log'] === undefined ? nullAuditSink : openAuditLog(resolve(io.cwd, values['audit-log']));
    const host = hostStreams(io);
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    logger.info(`session ${sessionId}: ${mode} ${serverName} (${spec.command} ${spec.args.join(' ')})`);
    try {
      const result = await runStdioProxy({
        session,
        server: spec,
        env: io.env,
        host,
        logger,
        audit,
        signal: controller.signal,
        serverStderr: io.stderr as Writable,
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
