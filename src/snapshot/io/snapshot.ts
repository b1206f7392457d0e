import { availableParallelism } from 'node:os';
import type { Artifact, Sandbox, ServerEntry } from '../../lockfile/index.js';
import { DEFAULT_SANDBOX_SETTINGS, type SandboxSettings } from '../../sandbox/index.js';
import { createPackageCache, type PreparedLaunch } from '../../sandbox/io/index.js';
import { CapsealError, errorMessage, type Logger, silentLogger } from '../../shared/index.js';
import { planArtifact } from '../artifact.js';
import { buildServerEntry, type RawGenerations, type RawSnapshot } from '../normalize.js';
import { describeGenerationsOf } from '../summary.js';
import { DEFAULT_LIMITS, type ServerSpec, type SnapshotLimits } from '../types.js';
import { findLocalNpmPackage, resolveArtifact } from './artifact.js';
import { stderrDetails } from './failures.js';
import { type GenerationOutcome, MODERN_PROTOCOL_VERSION, type SnapshotContext } from './read-generation.js';
import { readGenerations } from './read-generations.js';
import { StartGate } from './start-gate.js';

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
export async function snapshotServer(
  spec: ServerSpec,
  options: SnapshotOptions = {},
  /** The processes starting in the run this server is part of (snapshotServers); its own otherwise. */
  starts: StartGate = new StartGate(),
): Promise<ServerEntry> {
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
    packages: createPackageCache(),
    starts,
  };
  const resolveOnce = () =>
    resolveArtifact(plan, {
      baseDir,
      ...(parentEnv.PATH === undefined ? {} : { pathEnv: parentEnv.PATH }),
    });
  // An npm package that is not installed here is downloaded for the sandbox, and that download pins it:
  // asking the registry as well (`npm view`, an npm process of its own) is left for when no download ran.
  const downloadPins =
    plan.kind === 'npm' &&
    ctx.settings.mode !== 'off' &&
    findLocalNpmPackage(plan.name, plan.requested, baseDir) === undefined;
  let artifactPromise: Promise<Artifact> | undefined = downloadPins ? undefined : resolveOnce();

  let totalTimer: NodeJS.Timeout | undefined;
  const totalTimeout = new Promise<never>((_, reject) => {
    totalTimer = setTimeout(() => {
      reject(new Error(`timed out after ${limits.totalTimeoutMs} ms (totalTimeoutMs)`));
      timeUp.abort();
    }, limits.totalTimeoutMs);
  });

  const readings = readGenerations(ctx);
  try {
    const outcomes = await Promise.race([readings, totalTimeout]);
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
    let artifact: Artifact;
    if (fetched?.integrity !== undefined && /^sha512-/.test(fetched.integrity)) {
      artifact = { kind: 'npm', name: fetched.name, version: fetched.version, integrity: fetched.integrity };
    } else {
      artifactPromise ??= resolveOnce();
      artifact = await Promise.race([artifactPromise, totalTimeout]);
    }
    return buildServerEntry({ spec, artifact, sandbox, raw });
  } catch (error) {
    if (error instanceof CapsealError) {
      if (error.message.startsWith(`server "${spec.name}"`)) throw error;
      throw new CapsealError(error.code, `server "${spec.name}": ${error.message}`, {
        details: error.details,
        cause: error,
      });
    }
    throw new CapsealError('SERVER_FAILED', `server "${spec.name}" failed: ${errorMessage(error)}`, {
      cause: error,
    });
  } finally {
    clearTimeout(totalTimer);
    // A timed-out reading still releases its process and temp directories; wait for that.
    await Promise.allSettled([readings]);
    await ctx.packages.dispose();
    artifactPromise?.catch(() => {});
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
        details: ['give each server a unique name (--server, or distinct keys in --config)'],
      });
    }
    names.add(spec.name);
  }
  const limit = Math.max(1, Math.min(specs.length, options.concurrency ?? availableParallelism()));
  const logger = options.logger;
  const entries: (ServerEntry | undefined)[] = new Array(specs.length);
  // One count of starting processes for the whole run: a second process started in case it is needed
  // waits while the CPUs are busy starting the ones that are.
  const starts = new StartGate();
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
        const entry = await snapshotServer(spec, options, starts);
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
