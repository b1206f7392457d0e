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
 * has a connection of its own, read at once. A stdio server is started once and probed with
 * `server/discover`:
 * - it declines (a JSON-RPC error: a 2025-only server): the 2025 generation is read through `initialize` on
 *   the same process, so a 2025 server costs one process, as it does for any 2025 client;
 * - it answers: its 2026-07-28 surface is read there, and the 2025 generation on a fresh process started
 *   at that moment (a server whose generations differ must show both to capseal, each on a connection
 *   that opened like that generation's clients open it; the era split is found by comparing them);
 * - it fails (exits, closes, garbage) or stays silent past the hedge delay: the 2025 generation is read on
 *   a fresh process as well (dropped again when the first process then declines before the fresh one
 *   answered `initialize`: the process already up is read in place).
 * Never throws; every connection is released before this returns.
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
  let legacy: Promise<GenerationOutcome> | undefined;
  let legacyOpened = false;
  const dropApart = new AbortController();
  const readLegacyApart = (): Promise<GenerationOutcome> => {
    legacy ??= readOnOwnConnection('legacy', ctx, {
      onOpened: () => {
        legacyOpened = true;
      },
      signal: dropApart.signal,
    });
    return legacy;
  };
  const hedge = setTimeout(() => {
    logger.debug(`${spec.name}: server/discover unanswered; reading 2025 on a second process too`);
    void readLegacyApart();
  }, hedgeDelayMs(ctx.limits.startupTimeoutMs));
  try {
    const modern = await readGeneration('modern', first, ctx, () => void readLegacyApart());
    clearTimeout(hedge);
    if (
      !legacyOpened &&
      !modern.ok &&
      modern.declined &&
      !first.shared.closed &&
      first.stdio?.failure === undefined
    ) {
      // Declined after the hedge delay: the process that is up wins over the one still starting.
      if (legacy !== undefined) dropApart.abort();
      logger.debug(`${spec.name}: declined server/discover; reading 2025 on the same process`);
      return [modern, await readGeneration('legacy', first, ctx)];
    }
    // The first process is done: release it while the 2025 generation is read.
    const [, apart] = await Promise.all([first.release(), readLegacyApart()]);
    return [modern, apart];
  } finally {
    clearTimeout(hedge);
    await first.release();
    if (legacy !== undefined) await legacy;
  }
}
