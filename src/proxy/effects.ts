import type { BlockData } from './block.js';
import { errorResponse } from './jsonrpc.js';
import {
  type AuditRecord,
  BLOCKED_CODE,
  type Effects,
  type JsonRpcError,
  type JsonRpcId,
  LIMIT_CODE,
  type ProxyLimits,
  SERVER_GONE_CODE,
} from './types.js';

/** The fields of an audit record a decision supplies; time, session and direction come from the recorder. */
type RecordFields = Omit<AuditRecord, 'time' | 'session' | 'direction' | 'method'>;
/** Builds one audit record of this session (the session id is bound in). */
export type Recorder = (
  now: number,
  direction: AuditRecord['direction'],
  method: string,
  fields: RecordFields,
) => AuditRecord;

export function emptyEffects(): Effects {
  return { toServer: [], toHost: [], audit: [], log: [] };
}

/** Append `from` to `into`, keeping each side's order; returns `into`. */
export function mergeEffects(into: Effects, from: Effects): Effects {
  into.toServer.push(...from.toServer);
  into.toHost.push(...from.toHost);
  into.audit.push(...from.audit);
  into.log.push(...from.log);
  return into;
}

/** A recorder for one session: undefined fields are left out, so records stay small and stable. */
export function recorderFor(sessionId: string): Recorder {
  return (now, direction, method, fields) => {
    const rec: AuditRecord = {
      time: new Date(now).toISOString(),
      session: sessionId,
      direction,
      method,
      decision: fields.decision,
    };
    for (const [k, v] of Object.entries(fields)) {
      if (v !== undefined) (rec as unknown as Record<string, unknown>)[k] = v;
    }
    return rec;
  };
}

/** The BLOCKED_CODE error for one block decision. */
export function blockedError(id: JsonRpcId | null, data: BlockData): JsonRpcError {
  return errorResponse(id, { code: BLOCKED_CODE, message: `capseal: blocked: ${data.reason}`, data });
}

/** The SERVER_GONE_CODE error every pending request gets when the server goes away. */
export function serverGoneError(id: JsonRpcId, reason: string, server: string): JsonRpcError {
  return errorResponse(id, {
    code: SERVER_GONE_CODE,
    message: 'capseal: server exited',
    data: { reason, server },
  });
}

/** LIMIT_CODE errors: a limit was hit, or the request it belonged to failed (timeout, bad answer). */
export const limitErrors = {
  tooLarge: (id: JsonRpcId, detail: string, limits: ProxyLimits): JsonRpcError =>
    errorResponse(id, {
      code: LIMIT_CODE,
      message: 'capseal: message too large',
      data: { reason: detail, limit: 'maxLineBytes', maxLineBytes: limits.maxLineBytes },
    }),
  tooManyPending: (id: JsonRpcId, limits: ProxyLimits): JsonRpcError =>
    errorResponse(id, {
      code: LIMIT_CODE,
      message: 'capseal: too many pending requests',
      data: { reason: 'pending request cap reached', limit: 'maxPending', maxPending: limits.maxPending },
    }),
  verificationTimeout: (id: JsonRpcId, limits: ProxyLimits): JsonRpcError =>
    errorResponse(id, {
      code: LIMIT_CODE,
      message: 'capseal: timed out waiting for list verification',
      data: {
        reason: `no verified list within ${limits.requestTimeoutMs} ms`,
        limit: 'requestTimeoutMs',
      },
    }),
  requestFailed: (id: JsonRpcId, reason: string, server: string): JsonRpcError =>
    errorResponse(id, { code: LIMIT_CODE, message: `capseal: ${reason}`, data: { reason, server } }),
};
