import {
  Client,
  ProtocolError,
  ProtocolErrorCode,
  SdkError,
  SdkErrorCode,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import { z } from 'zod';
import type { Artifact, Sandbox } from '../../lockfile/index.js';
import type { SandboxSettings } from '../../sandbox/index.js';
import { type PackageCache, type PreparedLaunch, prepareLaunch } from '../../sandbox/io/index.js';
import { errorMessage, type Logger, VERSION } from '../../shared/index.js';
import { planArtifact } from '../artifact.js';
import { CLIENT_DECLARATION, type RawSurface } from '../normalize.js';
import type { ServerSpec, SnapshotLimits } from '../types.js';
import { describeFailure, explain, rpcErrorCode, withHeaders } from './failures.js';
import { RecordingTransport } from './recording-transport.js';
import { SharedTransport } from './shared-transport.js';
import type { StartGate } from './start-gate.js';
import { SandboxedStdioTransport } from './stdio-transport.js';

// Reading one protocol generation of one server: connect, page through the four lists, release everything.

/** The 2026-07-28 revision: the modern generation is read pinned to it. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** The clientInfo capseal sends; the lockfile records CLIENT_DECLARATION, not this version. */
const CLIENT_INFO = { name: CLIENT_DECLARATION.name, version: VERSION };

export type Era = 'modern' | 'legacy';

// Lists are read with loose result schemas: items are validated by normalize*, the one function the proxy
// uses too, not by the SDK's stricter (and key-reordering) parse. Built once (a zod schema is costly to make).
const listResult = (key: string) =>
  z.looseObject({ [key]: z.array(z.unknown()), nextCursor: z.string().optional() });

const LISTS = (
  [
    { method: 'tools/list', key: 'tools', capability: 'tools' },
    { method: 'prompts/list', key: 'prompts', capability: 'prompts' },
    { method: 'resources/list', key: 'resources', capability: 'resources' },
    { method: 'resources/templates/list', key: 'resourceTemplates', capability: 'resources' },
  ] as const
).map((list) => ({ ...list, schema: listResult(list.key) }));

function message(error: unknown): string {
  return errorMessage(error);
}

/** What reading one generation gave: its raw surface, or why not (with what a report needs). */
export type GenerationOutcome =
  | {
      era: Era;
      ok: true;
      raw: RawSurface & { result: unknown };
      sandbox: Sandbox;
      /** The package capseal downloaded for the sandbox, when it had to. */
      fetched: PreparedLaunch['fetched'];
    }
  | {
      era: Era;
      ok: false;
      error: unknown;
      /** The server answered the opening request with a JSON-RPC error: it does not offer this generation. */
      declined: boolean;
      cause: string;
      stderr: string[] | undefined;
      /** What to check when the server said nothing at all. */
      hints?: string[];
      sandbox: Sandbox | undefined;
    };

export interface SnapshotContext {
  spec: ServerSpec;
  limits: SnapshotLimits;
  logger: Logger;
  parentEnv: NodeJS.ProcessEnv;
  settings: SandboxSettings;
  pin: Artifact | undefined;
  setupApparmor: boolean;
  /** The npm packages fetched for the sandbox, once per server whatever the number of connections. */
  packages: PackageCache;
  started: number;
  /** Milliseconds left of totalTimeoutMs. */
  remaining: () => number;
  /** Aborted when totalTimeoutMs is up: every reading closes its connection. */
  signal: AbortSignal;
  /** The processes starting in this run (shared by the servers of one snapshotServers call). */
  starts: StartGate;
}

/** A reading that gave no surface. */
export type FailedOutcome = Extract<GenerationOutcome, { ok: false }>;

/**
 * One connection to one server (its own sandboxed process for stdio), which clients read one after
 * another through `shared`. release() closes it: the process group is killed, temp directories removed.
 */
export interface Connection {
  shared: SharedTransport;
  recording: RecordingTransport;
  stdio: SandboxedStdioTransport | undefined;
  sandbox: Sandbox;
  launch: PreparedLaunch | undefined;
  release(): Promise<void>;
}

/**
 * Prepare (sandbox, the npm package fetched once per server through `ctx.packages`) and describe one
 * connection; nothing is spawned until the first client starts it. Never throws: a launch that cannot be
 * prepared (strict with no sandbox, an artifact that does not match its pin) comes back as an outcome.
 */
export async function openConnection(
  era: Era,
  ctx: SnapshotContext,
): Promise<{ ok: true; connection: Connection } | FailedOutcome> {
  const { spec, limits, logger } = ctx;
  let transport: Transport;
  let stdio: SandboxedStdioTransport | undefined;
  let sandbox: Sandbox | undefined;
  let launch: PreparedLaunch | undefined;
  let cleanup = async () => {};
  try {
    if (spec.transport === 'stdio') {
      const plan = planArtifact(spec);
      const baseDir = spec.baseDir ?? process.cwd();
      const prepared = await prepareLaunch(
        {
          name: spec.name,
          command: spec.command,
          args: spec.args,
          env: { ...(spec.env ?? {}) },
          ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
          baseDir,
          ...(plan.kind === 'npm' ? { npm: { name: plan.name, requested: plan.requested } } : {}),
          ...(ctx.pin === undefined ? {} : { pin: ctx.pin }),
        },
        {
          settings: ctx.settings,
          parentEnv: ctx.parentEnv,
          logger,
          packages: ctx.packages,
          ...(ctx.setupApparmor ? { setupApparmor: true } : {}),
        },
      );
      launch = prepared;
      cleanup = prepared.cleanup;
      sandbox = prepared.record;
      stdio = new SandboxedStdioTransport(prepared.spawn, {
        maxLineBytes: limits.outputCapBytes,
        stderrCapBytes: Math.min(limits.outputCapBytes, 64 * 1024),
        maxJsonDepth: limits.maxJsonDepth,
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
  const recording = new RecordingTransport(transport, limits.maxJsonDepth);
  const abort = () => void transport.close().catch(() => {});
  ctx.signal.addEventListener('abort', abort, { once: true });
  let released: Promise<void> | undefined;
  const release = async () => {
    ctx.signal.removeEventListener('abort', abort);
    if (transport instanceof StreamableHTTPClientTransport && era === 'legacy') {
      await transport.terminateSession().catch(() => {});
    }
    await transport.close().catch(() => {});
    await cleanup().catch(() => {});
    logger.debug(`${spec.name} (${era}): closed after ${Date.now() - ctx.started} ms`);
  };
  return {
    ok: true,
    connection: {
      shared: new SharedTransport(recording),
      recording,
      stdio,
      sandbox,
      launch,
      release: () => {
        released ??= release();
        return released;
      },
    },
  };
}

/**
 * Open a connection of its own for one generation, read it, release it. `signal` drops the reading: the
 * connection is released at once and the outcome is a failure nobody should use. `up` is called once the
 * opening request succeeded or the reading ended, whichever is first (the start gate's slot). Never throws.
 */
export async function readOnOwnConnection(
  era: Era,
  ctx: SnapshotContext,
  options: { onOpened?: () => void; signal?: AbortSignal; up?: () => void } = {},
): Promise<GenerationOutcome> {
  const up = options.up ?? (() => {});
  try {
    const opened = await openConnection(era, ctx);
    if (!opened.ok) return opened;
    const { connection } = opened;
    if (options.signal?.aborted) {
      // Dropped while the launch was prepared: nothing is spawned.
      await connection.release();
      const cause = 'not needed: the reading was dropped';
      return {
        era,
        ok: false,
        error: new Error(cause),
        declined: false,
        cause,
        stderr: undefined,
        sandbox: connection.sandbox,
      };
    }
    const drop = () => void connection.release();
    options.signal?.addEventListener('abort', drop, { once: true });
    try {
      return await readGeneration(era, connection, ctx, () => {
        up();
        options.onOpened?.();
      });
    } finally {
      options.signal?.removeEventListener('abort', drop);
      await connection.release();
    }
  } finally {
    up();
  }
}

/**
 * Read one generation over a connection: connect with the SDK v2 client (pinned to 2026-07-28 for
 * `modern`, the plain 2025 handshake for `legacy`), then page through the four lists (the client attaches
 * the `_meta` envelope and the Mcp-Method/Mcp-Name headers on the modern generation). `onOpened` is called
 * as soon as the opening request succeeded. Never throws: failures come back as an outcome. The client
 * detaches when done; the caller releases the connection.
 */
export async function readGeneration(
  era: Era,
  connection: Connection,
  ctx: SnapshotContext,
  onOpened?: () => void,
): Promise<GenerationOutcome> {
  const { spec, limits, logger } = ctx;
  const { recording, stdio, sandbox, launch } = connection;
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
          list.schema,
          { timeout: Math.max(1, ctx.remaining()) },
        );
        result = list.schema.parse(recording.resultOf(list.method));
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
      await client.connect(connection.shared.view(), {
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
    onOpened?.();
    const capabilities = (client.getServerCapabilities() ?? {}) as Record<string, unknown>;
    // The four lists are independent requests: asked at once (as clients do), each paged in order. The
    // first failure in LISTS order is the one reported, whatever order the replies came in.
    const settled = await Promise.allSettled(
      LISTS.map((list) => listAll(list, capabilities[list.capability] !== undefined)),
    );
    const lists: Record<string, unknown[]> = {};
    for (const [i, list] of LISTS.entries()) {
      const result = settled[i] as PromiseSettledResult<unknown[]>;
      phase = list.method;
      if (result.status === 'rejected') throw result.reason;
      lists[list.key] = result.value;
    }
    logger.debug(`${spec.name} (${era}): listed after ${Date.now() - ctx.started} ms`);
    return {
      era,
      ok: true,
      sandbox,
      fetched: launch?.fetched,
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
    const stderr = stdio?.stderrLines() ?? [];
    const silent =
      stdio !== undefined &&
      stderr.length === 0 &&
      stdio.failure === undefined &&
      (phase === 'initialize' || phase === 'server/discover') &&
      sandbox !== undefined
        ? silentServerHints(sandbox)
        : [];
    return {
      era,
      ok: false,
      error,
      declined,
      cause:
        stdio?.failure !== undefined
          ? describeFailure(stdio.failure, limits, launch, stderr)
          : recording.tooDeep !== undefined
            ? describeFailure({ kind: 'too-deep', ...recording.tooDeep }, limits, launch, stderr)
            : explain(error, spec, phase),
      stderr: stdio === undefined ? undefined : stderr,
      hints: silent,
      sandbox,
    };
  } finally {
    await client.close().catch(() => {});
  }
}

/** What to check when a server never answered and said nothing on stderr. */
function silentServerHints(sandbox: Sandbox): string[] {
  return [
    'check: does the command speak MCP over stdio (not HTTP, not waiting for a TTY or a prompt)?',
    sandbox.network === 'denied'
      ? 'check: does it need the network? the sandbox denies it (--network allow / Action input network: allow)'
      : 'check: is it waiting for the network? HTTP(S)_PROXY, NO_PROXY and NODE_EXTRA_CA_CERTS reach a server only when passed with --env',
    'check: does it read files outside what the sandbox shows (the caller HOME, paths not given as arguments)?',
  ];
}
