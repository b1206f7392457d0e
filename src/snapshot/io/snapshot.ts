import { availableParallelism } from 'node:os';
import {
  Client,
  type JSONRPCMessage,
  ProtocolError,
  ProtocolErrorCode,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import { z } from 'zod';
import type { Artifact, Sandbox, ServerEntry } from '../../lockfile/index.js';
import { CapsealError, errorMessage } from '../../shared/errors.js';
import { type Logger, silentLogger } from '../../shared/logger.js';
import { VERSION } from '../../shared/version.js';
import { planArtifact } from '../artifact.js';
import {
  buildServerEntry,
  CLIENT_DECLARATION,
  type RawGenerations,
  type RawSnapshot,
  type RawSurface,
} from '../normalize.js';
import { describeGenerationsOf } from '../summary.js';
import { DEFAULT_LIMITS, type ServerSpec, type SnapshotLimits } from '../types.js';
import { findLocalNpmPackage, resolveArtifact } from './artifact.js';
import { prepareSandbox } from './sandbox.js';
import { SandboxedStdioTransport, type StdioFailure } from './stdio-transport.js';

export interface SnapshotOptions {
  limits?: Partial<SnapshotLimits>;
  /** Run stdio servers in an empty network namespace (`unshare -rn`); an error where unavailable. */
  denyNetwork?: boolean;
  logger?: Logger;
  /** Environment capseal itself runs in (for PATH only; never handed to the server). */
  parentEnv?: NodeJS.ProcessEnv;
  /** How many servers snapshotServers snapshots at once (default: the CPU count). */
  concurrency?: number;
  /** Deny the network to these servers too (e.g. those locked with `network: denied`). */
  denyNetworkFor?: (spec: ServerSpec) => boolean;
}

/** The 2026-07-28 revision: the modern generation is read pinned to it. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** The clientInfo capseal sends; the lockfile records CLIENT_DECLARATION, not this version. */
const CLIENT_INFO = { name: CLIENT_DECLARATION.name, version: VERSION };

type Era = 'modern' | 'legacy';

/**
 * Wraps any client transport and keeps the raw `result` of the last response to each method, so the
 * lockfile records what the server actually sent (the SDK's parsed copies drop or reorder keys).
 */
class RecordingTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  private readonly methods = new Map<string | number, string>();
  private readonly results = new Map<string, unknown>();

  constructor(readonly inner: Transport) {}

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  setSupportedProtocolVersions(versions: string[]): void {
    this.inner.setSupportedProtocolVersions?.(versions);
  }

  /** The raw result of the last response to `method`, or undefined. */
  resultOf(method: string): unknown {
    return this.results.get(method);
  }

  async start(): Promise<void> {
    this.inner.onclose = () => this.onclose?.();
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onmessage = (message, extra) => {
      if ('id' in message && 'result' in message && message.id !== null) {
        const method = this.methods.get(message.id);
        if (method !== undefined) this.results.set(method, message.result);
      }
      this.onmessage?.(message, extra);
    };
    await this.inner.start();
  }

  send(message: JSONRPCMessage, options?: Parameters<Transport['send']>[1]): Promise<void> {
    if ('method' in message && 'id' in message) this.methods.set(message.id, message.method);
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

// Lists are read with loose result schemas: items are validated by normalize*, the one function the proxy
// uses too, not by the SDK's stricter (and key-reordering) parse.
const listResult = (key: string) =>
  z.looseObject({ [key]: z.array(z.unknown()), nextCursor: z.string().optional() });

const LISTS = [
  { method: 'tools/list', key: 'tools', capability: 'tools' },
  { method: 'prompts/list', key: 'prompts', capability: 'prompts' },
  { method: 'resources/list', key: 'resources', capability: 'resources' },
  { method: 'resources/templates/list', key: 'resourceTemplates', capability: 'resources' },
] as const;

function describeFailure(failure: StdioFailure, limits: SnapshotLimits): string {
  switch (failure.kind) {
    case 'spawn':
      return `could not start: ${failure.message}`;
    case 'exit':
      return failure.signal !== null
        ? `exited early (killed by ${failure.signal})`
        : `exited early with code ${failure.code}`;
    case 'garbage':
      return `wrote something that is not JSON-RPC to stdout: ${failure.line}`;
    case 'flood':
      return `wrote a stdout line longer than ${limits.outputCapBytes} bytes (outputCapBytes)`;
  }
}

/**
 * The JSON-RPC error code a server answered with: a ProtocolError, or (Streamable HTTP answers a failed
 * request with a 4xx status and the JSON-RPC error as body) the body of an SdkHttpError.
 */
function rpcErrorCode(error: unknown): number | undefined {
  if (error instanceof ProtocolError) return error.code;
  if (error instanceof SdkHttpError) {
    try {
      const body = JSON.parse(String(error.data.text)) as { error?: { code?: unknown } };
      if (typeof body.error?.code === 'number') return body.error.code;
    } catch {
      // not a JSON-RPC body
    }
  }
  return undefined;
}

function message(error: unknown): string {
  return errorMessage(error);
}

/** What reading one generation gave: its raw surface, or why not (with what a report needs). */
type GenerationOutcome =
  | { era: Era; ok: true; raw: RawSurface & { result: unknown }; sandbox: Sandbox }
  | {
      era: Era;
      ok: false;
      error: unknown;
      /** The server answered the opening request with a JSON-RPC error: it does not offer this generation. */
      declined: boolean;
      cause: string;
      stderr: string[] | undefined;
      sandbox: Sandbox | undefined;
    };

interface SnapshotContext {
  spec: ServerSpec;
  limits: SnapshotLimits;
  logger: Logger;
  parentEnv: NodeJS.ProcessEnv;
  denyNetwork: boolean;
  started: number;
  /** Milliseconds left of totalTimeoutMs. */
  remaining: () => number;
  /** Aborted when totalTimeoutMs is up: every reading closes its connection. */
  signal: AbortSignal;
}

/**
 * Read one generation of one server on its own connection (its own process for stdio): connect with the
 * SDK v2 client (pinned to 2026-07-28 for `modern`, the plain 2025 handshake for `legacy`), then page
 * through the four lists (the client attaches the `_meta` envelope and the Mcp-Method/Mcp-Name headers on
 * the modern generation). Never throws: failures come back as an outcome, and the connection, process
 * group and temp directories are always released.
 */
async function readGeneration(era: Era, ctx: SnapshotContext): Promise<GenerationOutcome> {
  const { spec, limits, logger } = ctx;
  let transport: Transport;
  let stdio: SandboxedStdioTransport | undefined;
  let sandbox: Sandbox | undefined;
  let cleanup = async () => {};
  let phase = era === 'modern' ? 'server/discover' : 'initialize';
  const client = new Client(CLIENT_INFO, {
    capabilities: CLIENT_DECLARATION.capabilities,
    versionNegotiation:
      era === 'modern'
        ? { mode: { pin: MODERN_PROTOCOL_VERSION }, probe: { timeoutMs: limits.startupTimeoutMs } }
        : { mode: 'legacy' },
    // capseal never answers a server's questions during a snapshot (2026-07-28: input_required).
    inputRequired: { autoFulfill: false },
    listMaxPages: limits.pageCap,
  });
  client.setRequestHandler('roots/list', () => ({ roots: [] }));
  client.setRequestHandler('sampling/createMessage', () => {
    throw new ProtocolError(
      ProtocolErrorCode.InvalidRequest,
      'capseal is taking a snapshot and does not sample',
    );
  });
  client.setRequestHandler('elicitation/create', () => ({ action: 'decline' as const }));

  try {
    if (spec.transport === 'stdio') {
      const plan = planArtifact(spec);
      const baseDir = spec.baseDir ?? process.cwd();
      const local = plan.kind === 'npm' ? findLocalNpmPackage(plan.name, plan.requested, baseDir) : undefined;
      const prepared = await prepareSandbox(spec, {
        denyNetwork: ctx.denyNetwork,
        parentEnv: ctx.parentEnv,
        plan,
        ...(local === undefined ? {} : { localVersion: local.version }),
      });
      cleanup = prepared.cleanup;
      sandbox = prepared.sandbox;
      stdio = new SandboxedStdioTransport(prepared.spawn, {
        maxLineBytes: limits.outputCapBytes,
        stderrCapBytes: Math.min(limits.outputCapBytes, 64 * 1024),
      });
      transport = stdio;
      logger.debug(
        `${spec.name} (${era}): spawning ${[prepared.spawn.command, ...prepared.spawn.args].join(' ')}`,
      );
    } else {
      const headers = spec.headers ?? {};
      const url = new URL(spec.url);
      transport =
        spec.transport === 'sse'
          ? new SSEClientTransport(url, {
              requestInit: { headers },
              eventSourceInit: { fetch: withHeaders(headers) },
            })
          : new StreamableHTTPClientTransport(url, { requestInit: { headers } });
      sandbox = { env: 'none', home: 'inherited', cwd: 'inherited', network: 'not-applicable' };
    }
  } catch (error) {
    await cleanup().catch(() => {});
    return { era, ok: false, error, declined: false, cause: message(error), stderr: undefined, sandbox };
  }
  const recording = new RecordingTransport(transport);
  const abort = () => void transport.close().catch(() => {});
  ctx.signal.addEventListener('abort', abort, { once: true });

  const listAll = async (list: (typeof LISTS)[number], declared: boolean): Promise<unknown[]> => {
    const items: unknown[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 1; ; page++) {
      if (page > limits.pageCap) {
        throw new Error(`${list.method} returned more than ${limits.pageCap} pages (pageCap)`);
      }
      let result: { nextCursor?: string | undefined } & Record<string, unknown>;
      try {
        await client.request(
          { method: list.method, ...(cursor === undefined ? {} : { params: { cursor } }) },
          listResult(list.key),
          { timeout: Math.max(1, ctx.remaining()) },
        );
        result = listResult(list.key).parse(recording.resultOf(list.method));
      } catch (error) {
        const code = rpcErrorCode(error);
        const notSupported = code === ProtocolErrorCode.MethodNotFound;
        if (page === 1 && (notSupported || (!declared && code !== undefined))) {
          logger.debug(
            `${spec.name} (${era}): ${list.method} not supported (${message(error)}); recorded as none`,
          );
          return [];
        }
        throw error;
      }
      items.push(...(result[list.key] as unknown[]));
      cursor = result.nextCursor;
      if (cursor === undefined) return items;
      if (seen.has(cursor)) throw new Error(`${list.method} repeated the cursor ${JSON.stringify(cursor)}`);
      seen.add(cursor);
    }
  };

  try {
    try {
      await client.connect(recording, {
        timeout: Math.max(1, Math.min(limits.startupTimeoutMs, ctx.remaining())),
      });
    } catch (error) {
      if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) {
        throw new Error(`did not answer ${phase} within ${limits.startupTimeoutMs} ms (startupTimeoutMs)`);
      }
      throw error;
    }
    const opening = recording.resultOf(phase);
    if (opening === undefined) throw new Error(`answered no ${phase} result`);
    logger.debug(`${spec.name} (${era}): connected after ${Date.now() - ctx.started} ms`);
    const capabilities = (client.getServerCapabilities() ?? {}) as Record<string, unknown>;
    const lists: Record<string, unknown[]> = {};
    for (const list of LISTS) {
      phase = list.method;
      lists[list.key] = await listAll(list, capabilities[list.capability] !== undefined);
    }
    logger.debug(`${spec.name} (${era}): listed after ${Date.now() - ctx.started} ms`);
    return {
      era,
      ok: true,
      sandbox: sandbox as Sandbox,
      raw: {
        result: opening,
        tools: lists.tools ?? [],
        prompts: lists.prompts ?? [],
        resources: lists.resources ?? [],
        resourceTemplates: lists.resourceTemplates ?? [],
      },
    };
  } catch (error) {
    const declined =
      (phase === 'initialize' || phase === 'server/discover') &&
      stdio?.failure === undefined &&
      (rpcErrorCode(error) !== undefined ||
        (error instanceof SdkError &&
          error.code !== SdkErrorCode.RequestTimeout &&
          error.code !== SdkErrorCode.ConnectionClosed));
    return {
      era,
      ok: false,
      error,
      declined,
      cause:
        stdio?.failure !== undefined ? describeFailure(stdio.failure, limits) : explain(error, spec, phase),
      stderr: stdio === undefined ? undefined : stdio.stderrLines(),
      sandbox,
    };
  } finally {
    ctx.signal.removeEventListener('abort', abort);
    if (transport instanceof StreamableHTTPClientTransport && era === 'legacy') {
      await transport.terminateSession().catch(() => {});
    }
    await client.close().catch(() => {});
    await transport.close().catch(() => {});
    await cleanup().catch(() => {});
    logger.debug(`${spec.name} (${era}): closed after ${Date.now() - ctx.started} ms`);
  }
}

/** The generations worth asking for over a transport: legacy SSE has no 2026-07-28 counterpart. */
function erasFor(spec: ServerSpec): Era[] {
  return spec.transport === 'sse' ? ['legacy'] : ['modern', 'legacy'];
}

/** The failure to report when no generation could be read: a hard failure before a polite refusal. */
function primaryFailure(outcomes: GenerationOutcome[]): Extract<GenerationOutcome, { ok: false }> {
  const failed = outcomes.filter((o): o is Extract<GenerationOutcome, { ok: false }> => !o.ok);
  const legacy = failed.find((o) => o.era === 'legacy');
  const modern = failed.find((o) => o.era === 'modern');
  if (legacy !== undefined && (!legacy.declined || modern === undefined || modern.declined)) return legacy;
  return (modern ?? legacy) as Extract<GenerationOutcome, { ok: false }>;
}

/**
 * Snapshot one server, every protocol generation it offers: the 2026-07-28 generation (server/discover,
 * then every list with the `_meta` envelope, stateless over HTTP) and the 2025 generation (initialize,
 * then every list; sessions over Streamable HTTP, or legacy SSE), each on its own connection, at the same
 * time. Lists are paged (nextCursor, up to `pageCap` pages); a list method the server does not support is
 * recorded as empty; the artifact is pinned. A generation the server refuses is recorded as not offered
 * (`generations`); a server whose generations show different surfaces is locked with both (`eras.legacy`).
 * When no generation can be read (won't start, exits early, times out, non-JSON or overlong stdout,
 * invalid replies) it is a SERVER_FAILED CapsealError naming the server and the cause, with the last lines
 * of its stderr as details. Process groups are always killed and temp directories removed.
 */
export async function snapshotServer(spec: ServerSpec, options: SnapshotOptions = {}): Promise<ServerEntry> {
  const limits: SnapshotLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = options.logger ?? silentLogger;
  const parentEnv = options.parentEnv ?? process.env;
  const plan = planArtifact(spec);
  const baseDir = spec.transport === 'stdio' ? (spec.baseDir ?? process.cwd()) : process.cwd();
  const started = Date.now();
  const timeUp = new AbortController();
  const ctx: SnapshotContext = {
    signal: timeUp.signal,
    spec,
    limits,
    logger,
    parentEnv,
    denyNetwork: (options.denyNetwork ?? false) || (options.denyNetworkFor?.(spec) ?? false),
    started,
    remaining: () => limits.totalTimeoutMs - (Date.now() - started),
  };
  const artifactPromise: Promise<Artifact> = resolveArtifact(plan, {
    baseDir,
    ...(parentEnv.PATH === undefined ? {} : { pathEnv: parentEnv.PATH }),
  });

  let totalTimer: NodeJS.Timeout | undefined;
  const totalTimeout = new Promise<never>((_, reject) => {
    totalTimer = setTimeout(() => {
      reject(new Error(`timed out after ${limits.totalTimeoutMs} ms (totalTimeoutMs)`));
      timeUp.abort();
    }, limits.totalTimeoutMs);
  });

  const readings = erasFor(spec).map((era) => readGeneration(era, ctx));
  try {
    const outcomes = await Promise.race([Promise.all(readings), totalTimeout]);
    const raw: RawGenerations = {};
    let sandbox: Sandbox | undefined;
    for (const outcome of outcomes) {
      if (!outcome.ok) {
        logger.debug(`${spec.name}: no ${outcome.era} generation (${outcome.cause})`);
        continue;
      }
      sandbox = sandbox ?? outcome.sandbox;
      const { result, ...lists } = outcome.raw;
      if (outcome.era === 'modern') {
        raw.modern = { ...lists, discover: result, protocolVersion: MODERN_PROTOCOL_VERSION };
      } else {
        raw.legacy = { ...lists, initialize: result } satisfies RawSnapshot;
      }
    }
    if (sandbox === undefined) {
      const failure = primaryFailure(outcomes);
      if (failure.error instanceof CapsealError) throw failure.error;
      throw new CapsealError('SERVER_FAILED', `server "${spec.name}" failed: ${failure.cause}`, {
        details: failure.stderr === undefined ? [] : stderrDetails(failure.stderr),
        cause: failure.error,
      });
    }
    const artifact = await Promise.race([artifactPromise, totalTimeout]);
    return buildServerEntry({ spec, artifact, sandbox, raw });
  } catch (error) {
    if (error instanceof CapsealError) {
      if (error.message.startsWith(`server "${spec.name}"`)) throw error;
      throw new CapsealError(error.code, `server "${spec.name}": ${error.message}`, {
        details: error.details,
        cause: error,
      });
    }
    throw new CapsealError('SERVER_FAILED', `server "${spec.name}" failed: ${message(error)}`, {
      cause: error,
    });
  } finally {
    clearTimeout(totalTimer);
    // A timed-out reading still releases its process and temp directories; wait for that.
    await Promise.allSettled(readings);
    artifactPromise.catch(() => {});
    logger.debug(`${spec.name}: done after ${Date.now() - started} ms`);
  }
}

function stderrDetails(lines: string[]): string[] {
  return lines.length === 0 ? ['(nothing on stderr)'] : lines.map((l) => `stderr: ${l}`);
}

function explain(error: unknown, spec: ServerSpec, phase: string): string {
  if (error instanceof SdkError && error.code === SdkErrorCode.ConnectionClosed) {
    return `closed the connection during ${phase}`;
  }
  const text = message(error);
  if (
    spec.transport !== 'stdio' &&
    /fetch failed|ECONNREFUSED|ENOTFOUND/i.test(text + String((error as { cause?: unknown })?.cause ?? ''))
  ) {
    return `cannot connect to ${spec.url} (${text})`;
  }
  return `${text}${text.includes(phase) ? '' : ` (during ${phase})`}`;
}

function withHeaders(headers: Record<string, string>): typeof fetch {
  return (input, init) =>
    fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } });
}

/**
 * Snapshot several servers into a record keyed by server name, in the order of `specs` (deterministic,
 * whatever order they finish in). Up to `concurrency` servers (default: the CPU count) are snapshotted at
 * once; each start and finish is one line on the logger, with its time. Duplicate names are a USAGE error.
 * When servers fail, no further server is started, the running ones are finished, and the failure of the
 * first failing server in `specs` order is thrown.
 */
export async function snapshotServers(
  specs: readonly ServerSpec[],
  options: SnapshotOptions = {},
): Promise<Record<string, ServerEntry>> {
  const names = new Set<string>();
  for (const spec of specs) {
    if (names.has(spec.name)) {
      throw new CapsealError('USAGE', `two servers are named "${spec.name}"`, {
        details: ['give each server a unique name (--name, or distinct keys in --config)'],
      });
    }
    names.add(spec.name);
  }
  const limit = Math.max(1, Math.min(specs.length, options.concurrency ?? availableParallelism()));
  const logger = options.logger;
  const entries: (ServerEntry | undefined)[] = new Array(specs.length);
  const failures: { index: number; error: unknown }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (failures.length === 0 && next < specs.length) {
      const index = next++;
      const spec = specs[index] as ServerSpec;
      const started = Date.now();
      logger?.serverStart?.(spec.name);
      logger?.info(`capseal: snapshotting ${spec.name}…`);
      try {
        const entry = await snapshotServer(spec, options);
        entries[index] = entry;
        if (entry.eras !== undefined) {
          logger?.warn(
            `ERA SPLIT: server "${spec.name}" shows 2026-07-28 clients a different surface than 2025 clients; ` +
              'both are recorded and every check of it fails (critical drift server.era-split)',
          );
        }
        logger?.info(
          `capseal: ${spec.name} done in ${Date.now() - started} ms (${describeGenerations(entry)})`,
        );
      } catch (error) {
        failures.push({ index, error });
        logger?.info(`capseal: ${spec.name} failed after ${Date.now() - started} ms`);
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  if (failures.length > 0) {
    failures.sort((a, b) => a.index - b.index);
    throw (failures[0] as { error: unknown }).error;
  }
  const out = new Map<string, ServerEntry>();
  for (const [i, spec] of specs.entries()) out.set(spec.name, entries[i] as ServerEntry);
  return Object.fromEntries(out);
}

/** `2026-07-28 + 2025-11-25`, `2025-11-25 only`, with `ERA SPLIT` when the generations disagree. */
export function describeGenerations(entry: ServerEntry): string {
  const text = describeGenerationsOf(entry);
  return entry.eras === undefined ? text : `${text}, ERA SPLIT`;
}
