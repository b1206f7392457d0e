import { emptyEffects, limitErrors, mergeEffects as merge } from './effects.js';
import { spliceId, withRawLine } from './framing.js';
import { releaseDeferred } from './host-side.js';
import { decideInputRequired } from './input-required.js';
import { type Classified, errorResponse, isRecordValue } from './jsonrpc.js';
import { CHANGED, LIST_METHODS } from './list-verifier.js';
import type { HostPending } from './request-table.js';
import { decideScan, SCANNED } from './result-scan.js';
import { refuseMethod, type SessionParts, takeNotification } from './session-parts.js';
import { LISTEN_METHOD, mapSubscription, withHostSubscriptionId } from './subscriptions.js';
import type {
  Effects,
  JsonRpcError,
  JsonRpcId,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResult,
} from './types.js';

// Server → host: what the session decides on each message the server sends. Pure over the session's parts.

/** A server→host request: method gate, the pending cap, then forwarded under an id of the proxy's. */
export function serverRequest(s: SessionParts, message: JsonRpcRequest, now: number): Effects {
  const fx = emptyEffects();
  const refusedMethod = refuseMethod(s, 'serverRequests', message, now, fx);
  if (refusedMethod) return refusedMethod;
  if (s.table.serverRequestCount >= s.config.limits.maxPending) {
    fx.toServer.push(limitErrors.tooManyPending(message.id, s.config.limits));
    return fx;
  }
  const meta = message.params?._meta;
  const token = isRecordValue(meta) ? meta.progressToken : undefined;
  const proxyId = s.table.addServerRequest(message.id, message.method, token);
  fx.toHost.push({ ...message, id: proxyId });
  if (message.method !== 'ping') {
    fx.audit.push(s.record(now, 'server→host', message.method, { decision: 'allow' }));
  }
  return fx;
}

/**
 * A server notification: progress and cancellation are correlated, subscription ids mapped (unknown ones
 * dropped), and a list_changed makes the proxy re-list what it names.
 */
export function serverNotification(s: SessionParts, message: JsonRpcNotification, now: number): Effects {
  const fx = emptyEffects();
  const taken = takeNotification(s, 'server', message, now, fx);
  if (taken) return taken;
  const mapped = mapSubscription(s.table, message, 'params');
  if ('unknown' in mapped) {
    const unknown = JSON.stringify(mapped.unknown);
    fx.log.push(`server sent ${message.method} for unknown subscription ${unknown}; dropped`);
    fx.audit.push(
      s.record(now, 'server→host', message.method, {
        decision: 'drop',
        reason: `unknown subscription ${unknown}`,
      }),
    );
    return fx;
  }
  // Own keys only: a method named `__proto__` or `constructor` must not index the prototype.
  const kinds = Object.hasOwn(CHANGED, message.method) ? CHANGED[message.method] : undefined;
  fx.toHost.push(mapped.kept);
  if (kinds !== undefined) {
    fx.audit.push(s.record(now, 'server→host', message.method, { decision: 'allow', reason: 're-listing' }));
    for (const kind of kinds) merge(fx, s.verifier.relist(kind, now));
  }
  return fx;
}

/**
 * A server response: a page of the proxy's own re-list goes to the verifier; an answer to a host request
 * goes back under the host's id, decided on by relayResult. Unknown and duplicate ids are dropped.
 */
export function serverResponse(
  s: SessionParts,
  message: JsonRpcResult | JsonRpcError,
  now: number,
  text?: string,
): Effects {
  const fx = emptyEffects();
  const id = message.id;
  const p = typeof id === 'number' ? s.table.get(id) : undefined;
  if (typeof id !== 'number' || p === undefined) {
    const shown = JSON.stringify(id);
    fx.log.push(`server sent a response with unknown or duplicate id ${shown}; dropped`);
    fx.audit.push(
      s.record(now, 'server→host', 'response', {
        decision: 'drop',
        reason: `unknown or duplicate id ${shown}`,
      }),
    );
    return fx;
  }
  s.table.finish(id, p);
  if (p.origin === 'proxy') {
    merge(fx, s.verifier.page(p, message, now));
    return merge(fx, releaseDeferred(s, now));
  }
  const out = relayResult(s, id, p, message, now, text, fx);
  const audit = p.audit;
  if (audit !== undefined) {
    audit.durationMs = now - p.started;
    if (out === undefined) audit.reason = 'input_required refused';
    else if ('error' in message) audit.reason = audit.reason ?? `server error ${message.error.code}`;
    fx.audit.push(audit);
  }
  if (out !== undefined) fx.toHost.push(out);
  return fx;
}

/**
 * What to send the host for the server's answer to one of its requests (effects into `fx`); undefined
 * when an `input_required` result was refused (its BLOCKED_CODE error is already in `fx`). Results are
 * forwarded as received except: tasks/list (only this client's tasks), listen (the host's subscription
 * id), lists (filtered entry by entry), initialize/discover (held to the lock), scanned content.
 */
function relayResult(
  s: SessionParts,
  id: number,
  p: HostPending,
  message: JsonRpcResult | JsonRpcError,
  now: number,
  text: string | undefined,
  fx: Effects,
): JsonRpcResult | JsonRpcError | undefined {
  const listKind = Object.hasOwn(LIST_METHODS, p.method) ? LIST_METHODS[p.method] : undefined;
  // Results are not decided on (except lists, re-serialized after filtering), so the server's text is
  // forwarded with only its id replaced: no stringify of large results on the hot path.
  let out: JsonRpcResult | JsonRpcError = withRawLine(
    { ...message, id: p.hostId },
    text === undefined || listKind !== undefined ? undefined : spliceId(text, id, p.hostId),
  );
  const result = 'result' in message ? message.result : undefined;
  if (result !== undefined) {
    s.tasks.noteResult(result);
    if (p.method === 'tasks/list' && s.config.mode !== 'audit-only')
      out = reply(p.hostId, s.tasks.filterList(result));
    if (result.resultType === 'input_required') {
      const { serverName, mode, policy } = s.config;
      const ctx = { serverName, mode, record: s.record, ...(policy ? { policy } : {}) };
      const mrtr = decideInputRequired(ctx, p.hostId, p.method, result, now);
      if (mrtr !== undefined) {
        merge(fx, mrtr);
        if (mrtr.toHost.length > 0) return undefined;
      }
    }
    if (p.method === LISTEN_METHOD) out = reply(p.hostId, withHostSubscriptionId(result, p.hostId));
    if (listKind !== undefined)
      out = reply(p.hostId, s.verifier.filterResponse(listKind, result, p.audit, fx));
  }
  const wasHalfWay = s.handshake.halfWay;
  const handshake = s.handshake.answered(id, p.method, message, now, fx);
  if (handshake !== undefined) out = reply(p.hostId, handshake);
  if (wasHalfWay && !s.handshake.halfWay) merge(fx, afterHandshake(s, now));
  if (s.scan !== undefined && result !== undefined && SCANNED.has(p.method)) {
    const call = { hostId: p.hostId, method: p.method, target: p.target ?? '' };
    out = decideScan(s.scan, call, result, now, fx) ?? out;
  }
  return out;
}

/**
 * The initialize answer ended a 2025 handshake. Requests that came while it was half-way were deferred
 * (verification cannot start before the server is initialized), and an early `notifications/initialized`
 * was held back for the capabilities: either starts verification now, so nothing waits for a timeout.
 */
function afterHandshake(s: SessionParts, now: number): Effects {
  if (s.verifier.started || (!s.handshake.initializedEarly && !s.table.hasDeferred())) return emptyEffects();
  s.verifier.setEnvelope(undefined);
  const fx = s.verifier.start(s.handshake.capabilities ?? s.config.entry.server.capabilities, now);
  return merge(fx, releaseDeferred(s, now));
}

function reply(id: JsonRpcId, result: Record<string, unknown>): JsonRpcResult {
  return { jsonrpc: '2.0', id, result };
}

/** Fail whatever request a proxy id belongs to (bad line, invalid message, timeout). */
export function failServerSide(s: SessionParts, proxyId: number, now: number, reason: string): Effects {
  const fx = emptyEffects();
  const p = s.table.get(proxyId);
  if (p === undefined) return fx;
  s.table.finish(proxyId, p);
  if (p.origin === 'proxy') {
    merge(fx, s.verifier.failed(p.kind, reason, now));
    return merge(fx, releaseDeferred(s, now));
  }
  fx.toHost.push(limitErrors.requestFailed(p.hostId, reason, s.config.serverName));
  fx.audit.push(
    s.record(now, 'server→host', p.method, {
      target: p.target,
      decision: 'error',
      reason,
      durationMs: now - p.started,
    }),
  );
  return fx;
}

/** A server message that is not JSON-RPC: dropped; the request it answered fails, a request of its is refused. */
export function serverInvalid(
  s: SessionParts,
  c: Extract<Classified, { type: 'invalid' }>,
  now: number,
): Effects {
  const fx = emptyEffects();
  fx.log.push(`server sent an invalid message (${c.reason}); dropped`);
  if (typeof c.id === 'number' && s.table.get(c.id) !== undefined)
    merge(fx, failServerSide(s, c.id, now, `server sent an invalid message (${c.reason})`));
  else if (c.id !== undefined)
    fx.toServer.push(errorResponse(c.id, { code: -32600, message: `Invalid Request: ${c.reason}` }));
  return fx;
}
