import { planArtifact } from '../artifact.js';
import type { ServerSpec } from '../types.js';
import {
  type Era,
  type GenerationOutcome,
  openConnection,
  readGeneration,
  readOnOwnConnection,
  type SnapshotContext,
} from './read-generation.js';

// Which connections a server's generations are read on: as few processes as each server needs.

/** The generations worth asking for over a transport: legacy SSE has no 2026-07-28 counterpart. */
function erasFor(spec: ServerSpec): Era[] {
  return spec.transport === 'sse' ? ['legacy'] : ['modern', 'legacy'];
}

/** A server launched directly (a script or a binary), not through a package runner or a container. */
function startsCheaply(spec: ServerSpec): boolean {
  const kind = planArtifact(spec).kind;
  return kind === 'file' || kind === 'binary';
}

/**
 * How long a stdio server may leave `server/discover` unanswered before the 2025 generation is read on a
 * second process anyway (some 2025 servers never answer a request they do not know): a silent server
 * costs at most this much more than one startup timeout, and a slow-starting one is still read in full.
 */
export function hedgeDelayMs(startupTimeoutMs: number): number {
  return Math.max(1, Math.min(5000, Math.floor(startupTimeoutMs / 2)));
}

/**
 * Read every generation a server offers, one outcome per generation asked for. Over HTTP each generation
 * has a connection of its own, read at once. A stdio server is started and probed with `server/discover`;
 * a second process for the 2025 generation is started at the same time when the server runs sandboxed, is
 * launched directly (not through npx or docker) and a CPU is free for it (the start gate), or else once it
 * is known to be needed:
 * - the server declines (a JSON-RPC error: a 2025-only server): the 2025 generation is read through
 *   `initialize` on the same process, as an SDK v2 client in `auto` mode does, and the second process is
 *   dropped (never started when it was still waiting for a CPU);
 * - it answers: its 2026-07-28 surface is read there, and the 2025 generation on the second process (a
 *   server whose generations differ must show both to capseal, each on a connection that opened like that
 *   generation's clients open it: initialize is the first thing the second process is sent; the era split
 *   is found by comparing them);
 * - it fails (exits, closes, garbage) or stays silent past the hedge delay: the 2025 generation is read on
 *   the second process as well.
 * Which process the 2025 generation is read on depends only on what the first one answered, never on
 * which started faster. Never throws; every connection is released before this returns.
 */
export async function readGenerations(ctx: SnapshotContext): Promise<GenerationOutcome[]> {
  const { spec, logger } = ctx;
  if (spec.transport !== 'stdio') {
    return Promise.all(erasFor(spec).map((era) => readOnOwnConnection(era, ctx)));
  }
  const opened = await openConnection('modern', ctx);
  // A launch that cannot be prepared (no sandbox in strict mode, a mismatching download) fails both alike.
  if (!opened.ok) return [opened, { ...opened, era: 'legacy' }];
  const first = opened.connection;
  const firstUp = ctx.starts.enter();
  let legacy: Promise<GenerationOutcome> | undefined;
  const dropApart = new AbortController();
  const needed = new AbortController();
  const startApart = (up: () => void): void => {
    legacy = readOnOwnConnection('legacy', ctx, { signal: dropApart.signal, up });
  };
  const readLegacyApart = (): Promise<GenerationOutcome> => {
    needed.abort();
    if (legacy === undefined) startApart(ctx.starts.enter());
    return legacy as Promise<GenerationOutcome>;
  };
  // Started in case it is needed, once a CPU is free for it, when that is cheap and safe: the server runs
  // in a sandbox, where the two processes share nothing (unsandboxed, a server started twice at once may
  // contend for its own files), and it is a command or script run directly (a package runner or container
  // start, npx or docker run, costs a package manager or container start of its own, most such servers
  // speak 2025 only today, and a wasted one measurably slows the start that is needed on a busy machine).
  if (first.launch?.backend !== undefined && startsCheaply(spec)) {
    void ctx.starts.whenFree(needed.signal, dropApart.signal).then((up) => {
      if (up === undefined) return;
      if (legacy !== undefined || dropApart.signal.aborted) up();
      else startApart(up);
    });
  }
  const hedge = setTimeout(() => {
    logger.debug(`${spec.name}: server/discover unanswered; reading 2025 on a second process too`);
    void readLegacyApart();
  }, hedgeDelayMs(ctx.limits.startupTimeoutMs));
  try {
    const modern = await readGeneration('modern', first, ctx, () => {
      firstUp();
      void readLegacyApart();
    });
    firstUp();
    clearTimeout(hedge);
    if (!modern.ok && modern.declined && !first.shared.closed && first.stdio?.failure === undefined) {
      // The process that declined is up and healthy: the 2025 generation is read on it.
      dropApart.abort();
      logger.debug(`${spec.name}: declined server/discover; reading 2025 on the same process`);
      return [modern, await readGeneration('legacy', first, ctx)];
    }
    // The first process is done: release it while the 2025 generation is read.
    const [, apart] = await Promise.all([first.release(), readLegacyApart()]);
    return [modern, apart];
  } finally {
    clearTimeout(hedge);
    firstUp();
    dropApart.abort();
    await first.release();
    if (legacy !== undefined) await legacy;
  }
}
