import { emptyEffects, limitErrors, type Recorder } from './effects.js';
import { errorResponse } from './jsonrpc.js';
import type { Effects, JsonRpcError, JsonRpcId, ProxyLimits } from './types.js';

/** Why a received line was refused before it was decided on. */
export type LineProblem = 'oversized' | 'invalid-json' | 'too-deep';

const WHAT: Record<LineProblem, string> = {
  oversized: 'an over-long line',
  'invalid-json': 'invalid JSON',
  'too-deep': 'a message nested too deeply',
};

/** The log line and audit record of a refused line (the session goes on). */
export function lineDropped(
  from: 'host' | 'server',
  problem: LineProblem,
  detail: string,
  now: number,
  record: Recorder,
): Effects {
  const fx = emptyEffects();
  fx.log.push(`${from} sent ${WHAT[problem]} (${detail}); dropped`);
  fx.audit.push(
    record(now, from === 'host' ? 'host→server' : 'server→host', problem, {
      decision: 'drop',
      reason: detail,
    }),
  );
  return fx;
}

/** The error that answers a refused request line: a limit error, or Parse error for invalid JSON. */
export function lineError(
  id: JsonRpcId,
  problem: LineProblem,
  detail: string,
  limits: ProxyLimits,
): JsonRpcError {
  if (problem === 'oversized') return limitErrors.tooLarge(id, detail, limits);
  if (problem === 'too-deep') return limitErrors.tooDeep(id, detail, limits);
  return errorResponse(id, { code: -32700, message: 'Parse error' });
}
