import { limitErrors } from './effects.js';
import type { Deferred, RequestTable } from './request-table.js';
import type { JsonRpcError, JsonRpcRequest, ProxyLimits } from './types.js';

/**
 * Whether one more host request may enter: a host id already in flight is an Invalid Request, and past
 * maxPending (forwarded plus deferred) the request is refused with LIMIT_CODE. Returns the error to send,
 * or undefined to admit it. Pure over the table.
 */
export function admitHostRequest(
  table: RequestTable,
  limits: ProxyLimits,
  message: JsonRpcRequest,
): { error: JsonRpcError; log: string; limit?: 'maxPending' } | undefined {
  if (table.hostIdInFlight(message.id)) {
    return {
      error: {
        jsonrpc: '2.0',
        id: message.id,
        error: { code: -32600, message: 'Invalid Request: id already in flight' },
      },
      log: `host reused in-flight request id ${JSON.stringify(message.id)}; rejected`,
    };
  }
  if (table.hostLoad >= limits.maxPending) {
    return {
      error: limitErrors.tooManyPending(message.id, limits),
      log: `pending request cap (${limits.maxPending}) reached; ${message.method} refused`,
      limit: 'maxPending',
    };
  }
  return undefined;
}

/** Proxy ids of requests (the host's and the proxy's own re-lists) unanswered for requestTimeoutMs. */
export function timedOut(table: RequestTable, limits: ProxyLimits, now: number): number[] {
  const expired: number[] = [];
  for (const [id, p] of table.entries()) {
    if (p.origin === 'host' && p.stream === true) continue;
    if (now - p.started >= limits.requestTimeoutMs) expired.push(id);
  }
  return expired;
}

/** Remove and return the deferred requests that waited requestTimeoutMs for verification. */
export function takeTimedOutDeferred(table: RequestTable, limits: ProxyLimits, now: number): Deferred[] {
  return table.takeDeferred((d) => now - d.received >= limits.requestTimeoutMs);
}
