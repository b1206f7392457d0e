import { availableParallelism } from 'node:os';
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
import type { Artifact, Sandbox, ServerEntry } from '../../lockfile/index.js';
import { DEFAULT_SANDBOX_SETTINGS, type SandboxSettings } from '../../sandbox/index.js';
import { type PreparedLaunch, prepareLaunch } from '../../sandbox/io/index.js';
import { CapsealError, errorMessage, type Logger, silentLogger, VERSION } from '../../shared/index.js';
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
import { resolveArtifact } from './artifact.js';
import { describeFailure, explain, rpcErrorCode, stderrDetails, withHeaders } from './failures.js';
import { RecordingTransport } from './recording-transport.js';
import { SandboxedStdioTransport } from './stdio-transport.js';

export interface SnapshotOptions {
  limits?: Partial<SnapshotLimits>;
  /** How stdio servers are sandboxed (default: mode auto, network denied, the default resource limits). */
  sandbox?: Partial<SandboxSettings>;
  /** The locked artifact (check): a package downloaded for the sandbox must match it before it runs. */
  pin?: Artifact;
  /** The locked artifact per server (check of several servers); wins over `pin`. */
  pinFor?: (spec: ServerSpec) => Artifact | undefined;
  /** Let the sandbox probe set up AppArmor for bwrap through `sudo -n` (the Action). */
  setupApparmor?: boolean;
  logger?: Logger;
  /** Environment capseal itself runs in (for PATH only; never handed to the server). */
  parentEnv?: NodeJS.ProcessEnv;
  /** How many servers snapshotServers snapshots at once (default: the CPU count). */
  concurrency?: number;
}

/** The 2026-07-28 revision: the modern generation is read pinned to it. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** The clientInfo capseal sends; the lockfile records CLIENT_DECLARATION, not this version. */
const CLIENT_INFO = { name: CLIENT_DECLARATION.name, version: VERSION };

type Era = 'modern' | 'legacy';

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

function message(error: unknown): string {
  return errorMessage(error);
}

/** What reading one generation gave: its raw surface, or why not (with what a report needs). */
type GenerationOutcome =
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

interface SnapshotContext {
  spec: ServerSpec;
  limits: SnapshotLimits;
  logger: Logger;
  parentEnv: NodeJS.ProcessEnv;
  settings: SandboxSettings;
  pin: Artifact | undefined;
  setupApparmor: boolean;
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
  let launch: PreparedLaunch | undefined;
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
    settings: { ...DEFAULT_SANDBOX_SETTINGS, ...options.sandbox },
    pin: options.pinFor?.(spec) ?? options.pin,
    setupApparmor: options.setupApparmor ?? false,
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
    let fetched: PreparedLaunch['fetched'];
    for (const outcome of outcomes) {
      if (!outcome.ok) {
        logger.debug(`${spec.name}: no ${outcome.era} generation (${outcome.cause})`);
        continue;
      }
      sandbox = sandbox ?? outcome.sandbox;
      fetched = fetched ?? outcome.fetched;
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
        details:
          failure.stderr === undefined ? [] : [...stderrDetails(failure.stderr), ...(failure.hints ?? [])],
        cause: failure.error,
      });
    }
    // A package capseal downloaded for the sandbox is pinned by the integrity it was verified with.
    const artifact: Artifact =
      fetched?.integrity !== undefined && /^sha512-/.test(fetched.integrity)
        ? { kind: 'npm', name: fetched.name, version: fetched.version, integrity: fetched.integrity }
        : await Promise.race([artifactPromise, totalTimeout]);
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
