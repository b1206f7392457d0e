import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  type JSONRPCMessage,
  ListRootsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Artifact, Sandbox, ServerEntry } from '../../lockfile/index.js';
import { CapsealError, errorMessage } from '../../shared/errors.js';
import { describeDepthExcess, jsonValueDepth } from '../../shared/json-limits.js';
import { type Logger, silentLogger } from '../../shared/logger.js';
import { VERSION } from '../../shared/version.js';
import { planArtifact } from '../artifact.js';
import { buildServerEntry, CLIENT_DECLARATION, type RawSnapshot } from '../normalize.js';
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
}

/** The clientInfo capseal sends; the lockfile records CLIENT_DECLARATION, not this version. */
const CLIENT_INFO = { name: CLIENT_DECLARATION.name, version: VERSION };

/**
 * Wraps any client transport and keeps the raw `result` of the initialize response, so the lockfile
 * records what the server actually sent (the SDK's parsed copy drops unknown capability keys).
 */
class RecordingTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  initializeResult: unknown;
  /** Set when a message nested deeper than the limit arrived; the connection is closed then. */
  tooDeep: { depth: number; limit: number } | undefined;
  private initializeId: string | number | undefined;

  constructor(
    readonly inner: Transport,
    private readonly maxJsonDepth: number,
  ) {}

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  async start(): Promise<void> {
    this.inner.onclose = () => this.onclose?.();
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onmessage = (message, extra) => {
      if (this.tooDeep !== undefined) return;
      // The HTTP and SSE transports parse for us; measure (iteratively) before anything walks the value.
      const depth = jsonValueDepth(message, this.maxJsonDepth);
      if (depth > this.maxJsonDepth) {
        this.tooDeep = { depth, limit: this.maxJsonDepth };
        this.onerror?.(new Error('message nested too deeply'));
        void this.inner.close().catch(() => {});
        return;
      }
      if ('id' in message && 'result' in message && message.id === this.initializeId) {
        this.initializeResult = message.result;
      }
      this.onmessage?.(message, extra);
    };
    await this.inner.start();
  }

  send(message: JSONRPCMessage, options?: Parameters<Transport['send']>[1]): Promise<void> {
    if ('method' in message && message.method === 'initialize' && 'id' in message)
      this.initializeId = message.id;
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
    case 'too-deep':
      return `sent a message ${describeDepthExcess(failure.depth, failure.limit)}`;
  }
}

function message(error: unknown): string {
  return errorMessage(error);
}

/**
 * Snapshot one server: start it in the sandbox (stdio) or connect to it (Streamable HTTP, SSE) with the
 * SDK client, declaring CLIENT_DECLARATION; page through tools, prompts, resources and resource templates
 * (following nextCursor up to `pageCap` pages); pin its artifact; return its sealed lockfile entry.
 * A list method the server does not support is recorded as empty. Any failure (won't start, exits early,
 * times out, non-JSON or overlong stdout, invalid replies) is a SERVER_FAILED CapsealError naming the
 * server and the cause, with the last lines of its stderr as details. The process group is always killed
 * and the temp directories removed.
 */
export async function snapshotServer(spec: ServerSpec, options: SnapshotOptions = {}): Promise<ServerEntry> {
  const limits: SnapshotLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = options.logger ?? silentLogger;
  const parentEnv = options.parentEnv ?? process.env;
  const plan = planArtifact(spec);
  const baseDir = spec.transport === 'stdio' ? (spec.baseDir ?? process.cwd()) : process.cwd();
  const started = Date.now();
  const remaining = () => limits.totalTimeoutMs - (Date.now() - started);

  let transport: Transport;
  let stdio: SandboxedStdioTransport | undefined;
  let sandbox: Sandbox;
  let cleanup = async () => {};
  if (spec.transport === 'stdio') {
    const local = plan.kind === 'npm' ? findLocalNpmPackage(plan.name, plan.requested, baseDir) : undefined;
    const prepared = await prepareSandbox(spec, {
      denyNetwork: options.denyNetwork ?? false,
      parentEnv,
      plan,
      ...(local === undefined ? {} : { localVersion: local.version }),
    });
    cleanup = prepared.cleanup;
    sandbox = prepared.sandbox;
    stdio = new SandboxedStdioTransport(prepared.spawn, {
      maxLineBytes: limits.outputCapBytes,
      stderrCapBytes: Math.min(limits.outputCapBytes, 64 * 1024),
      maxJsonDepth: limits.maxJsonDepth,
    });
    transport = stdio;
    logger.debug(`${spec.name}: spawning ${[prepared.spawn.command, ...prepared.spawn.args].join(' ')}`);
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
  const recording = new RecordingTransport(transport, limits.maxJsonDepth);
  const artifactPromise: Promise<Artifact> = resolveArtifact(plan, {
    baseDir,
    ...(parentEnv.PATH === undefined ? {} : { pathEnv: parentEnv.PATH }),
  });

  const client = new Client(CLIENT_INFO, { capabilities: CLIENT_DECLARATION.capabilities });
  client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [] }));
  client.setRequestHandler(CreateMessageRequestSchema, () => {
    throw new McpError(ErrorCode.InvalidRequest, 'capseal is taking a snapshot and does not sample');
  });
  client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'decline' as const }));

  let phase = 'initialize';
  let totalTimer: NodeJS.Timeout | undefined;
  const totalTimeout = new Promise<never>((_, reject) => {
    totalTimer = setTimeout(
      () => reject(new Error(`timed out after ${limits.totalTimeoutMs} ms (totalTimeoutMs) during ${phase}`)),
      limits.totalTimeoutMs,
    );
  });

  const work = async (): Promise<RawSnapshot> => {
    try {
      await client.connect(recording, { timeout: Math.min(limits.startupTimeoutMs, limits.totalTimeoutMs) });
    } catch (error) {
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
        throw new Error(`did not answer initialize within ${limits.startupTimeoutMs} ms (startupTimeoutMs)`);
      }
      throw error;
    }
    logger.debug(`${spec.name}: initialized after ${Date.now() - started} ms`);
    const capabilities = (client.getServerCapabilities() ?? {}) as Record<string, unknown>;
    const lists: Record<string, unknown[]> = {};
    for (const list of LISTS) {
      phase = list.method;
      lists[list.key] = await listAll(list, capabilities[list.capability] !== undefined);
    }
    logger.debug(`${spec.name}: listed after ${Date.now() - started} ms`);
    return {
      initialize: recording.initializeResult,
      tools: lists.tools ?? [],
      prompts: lists.prompts ?? [],
      resources: lists.resources ?? [],
      resourceTemplates: lists.resourceTemplates ?? [],
    };
  };

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
        result = await client.request(
          { method: list.method, ...(cursor === undefined ? {} : { params: { cursor } }) },
          listResult(list.key),
          { timeout: Math.max(1, remaining()) },
        );
      } catch (error) {
        const notSupported = error instanceof McpError && error.code === ErrorCode.MethodNotFound;
        if (page === 1 && (notSupported || (!declared && error instanceof McpError))) {
          logger.debug(`${spec.name}: ${list.method} not supported (${message(error)}); recorded as none`);
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
    const raw = await Promise.race([work(), totalTimeout]);
    const artifact = await Promise.race([artifactPromise, totalTimeout]);
    return buildServerEntry({ spec, artifact, sandbox, raw });
  } catch (error) {
    if (error instanceof CapsealError) {
      throw new CapsealError(error.code, `server "${spec.name}": ${error.message}`, {
        details: error.details,
        cause: error,
      });
    }
    const cause =
      stdio?.failure !== undefined
        ? describeFailure(stdio.failure, limits)
        : recording.tooDeep !== undefined
          ? describeFailure({ kind: 'too-deep', ...recording.tooDeep }, limits)
          : explain(error, spec, phase);
    throw new CapsealError('SERVER_FAILED', `server "${spec.name}" failed: ${cause}`, {
      details: stdio === undefined ? [] : stderrDetails(stdio.stderrLines()),
      cause: error,
    });
  } finally {
    logger.debug(`${spec.name}: closing after ${Date.now() - started} ms`);
    clearTimeout(totalTimer);
    if (spec.transport === 'streamable-http' && transport instanceof StreamableHTTPClientTransport) {
      await transport.terminateSession().catch(() => {});
    }
    await client.close().catch(() => {});
    await transport.close().catch(() => {});
    await cleanup().catch(() => {});
    logger.debug(`${spec.name}: closed after ${Date.now() - started} ms`);
    // keep the artifact lookup from rejecting unobserved after a failure
    artifactPromise.catch(() => {});
  }
}

function stderrDetails(lines: string[]): string[] {
  return lines.length === 0 ? ['(nothing on stderr)'] : lines.map((l) => `stderr: ${l}`);
}

function explain(error: unknown, spec: ServerSpec, phase: string): string {
  if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
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
 * Snapshot several servers (one after another, so their stderr and timeouts stay attributable) into a
 * record keyed by server name. Duplicate names are a USAGE error. Fails on the first server that fails.
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
  const out = new Map<string, ServerEntry>();
  for (const spec of specs) {
    options.logger?.serverStart?.(spec.name);
    options.logger?.info(`capseal: snapshotting ${spec.name}…`);
    out.set(spec.name, await snapshotServer(spec, options));
  }
  return Object.fromEntries(out);
}
