import { gateOf, waitsForVerification } from './authorize.js';
import { blockedError, emptyEffects, mergeEffects as merge } from './effects.js';
import { decideGated, decideListen, type GateDecision } from './gate.js';
import { type Classified, errorResponse } from './jsonrpc.js';
import { admitHostRequest } from './limits.js';
import { LIST_METHODS } from './list-verifier.js';
import { refuseMethod, type SessionParts, takeNotification } from './session-parts.js';
import { LISTEN_METHOD } from './subscriptions.js';
import { isLockedTaskMethod } from './tasks.js';
import type {
  Effects,
  JsonRpcError,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResult,
} from './types.js';

// Host → server: what the session decides on each message the host sends. Pure over the session's parts.

/**
 * One host request: method gate, admission (ids, maxPending), task ownership, then authorization of its
 * target; what passes is forwarded under a proxy id, re-serialized from what was decided on.
 */
export function hostRequest(s: SessionParts, message: JsonRpcRequest, now: number): Effects {
  const fx = emptyEffects();
  s.handshake.hostRequest(message);
  const lockedTask = isLockedTaskMethod(message, s.config.entry.server.capabilities);
  const refusedMethod = lockedTask ? undefined : refuseMethod(s, 'hostRequests', message, now, fx);
  if (refusedMethod) return refusedMethod;
  const refused = admitHostRequest(s.table, s.config.limits, message);
  if (refused !== undefined) {
    fx.log.push(refused.log);
    fx.toHost.push(refused.error);
    if (refused.limit)
      fx.audit.push(
        s.record(now, 'host→server', message.method, { decision: 'block', reason: refused.limit }),
      );
    return fx;
  }
  if (refuseForeignTask(s, message, now, fx)) return fx;
  const decision = authorize(s, message, now, fx);
  if (decision === undefined) return fx;
  const { type: _forward, ...pending } = decision;
  const { proxyId, params } = s.table.addHost(message, { started: now, ...pending });
  s.handshake.forwarded(proxyId, message, params);
  const out: JsonRpcRequest = { jsonrpc: '2.0', id: proxyId, method: message.method };
  if (params !== undefined) out.params = params;
  // Always re-serialized from what was decided on: forwarding the host's raw text would let duplicate
  // keys ({"name":"exec_shell","name":"echo"}) mean one thing to us and another to the server.
  fx.toServer.push(out);
  return fx;
}

/**
 * A task method naming a task this client did not create: blocked in enforce (true: answered), recorded
 * as `wouldBe: block` in the other modes (false: it goes on).
 */
function refuseForeignTask(s: SessionParts, message: JsonRpcRequest, now: number, fx: Effects): boolean {
  const foreignTask = s.tasks.refused(message);
  if (foreignTask === undefined) return false;
  const target = String(foreignTask.taskId);
  const reason = `task ${JSON.stringify(foreignTask.taskId)} was not created by this client`;
  const enforce = s.config.mode === 'enforce';
  fx.audit.push(
    s.record(now, 'host→server', message.method, {
      target,
      decision: enforce ? 'block' : 'allow',
      reason,
      kind: 'task-not-owned',
      ...(enforce ? {} : { wouldBe: 'block' as const }),
    }),
  );
  if (!enforce) return false;
  const { serverName: server } = s.config;
  fx.toHost.push(
    blockedError(message.id, { reason, kind: 'task-not-owned', server, method: message.method, target }),
  );
  return true;
}

/**
 * Authorize a request that passed admission (starting verification first when it is the first that
 * needs it): the forward decision, or undefined when it was deferred or answered (effects into `fx`).
 */
function authorize(
  s: SessionParts,
  message: JsonRpcRequest,
  now: number,
  fx: Effects,
): Extract<GateDecision, { type: 'forward' }> | undefined {
  const gated = gateOf(message);
  merge(fx, startOn(s, message, gated !== undefined, now));
  if (gated !== undefined) {
    const decision = decideGated(s.auth, s.config, gated.gate, gated.target, message, now, s.record);
    if (decision.type === 'defer') {
      s.table.defer(message, now);
      return undefined;
    }
    if (decision.type === 'block') {
      fx.toHost.push(decision.error);
      fx.audit.push(decision.audit);
      return undefined;
    }
    return decision;
  }
  if (message.method === LISTEN_METHOD) {
    const listen = decideListen(s.auth, s.config, message, now, s.record);
    if (listen.type === 'defer') {
      s.table.defer(message, now);
      return undefined;
    }
    merge(fx, listen.fx);
    return listen.type === 'block' ? undefined : { type: 'forward', stream: true };
  }
  if (
    Object.hasOwn(LIST_METHODS, message.method) ||
    message.method === 'initialize' ||
    message.method === 'server/discover'
  )
    return { type: 'forward', audit: s.record(now, 'host→server', message.method, { decision: 'allow' }) };
  return { type: 'forward' };
}

/**
 * Start verification on the first list, `server/discover` or gated request of either generation (a
 * 2026-07-28 client never sends `notifications/initialized`), unless a 2025 handshake is half-way (the
 * server is not ready before initialize is answered). capseal's own lists carry the `_meta` envelope of
 * the host request that caused them, so a modern server accepts them; re-lists after list_changed reuse
 * the last one. Capabilities are the live ones when a handshake told them, else the locked ones.
 */
function startOn(s: SessionParts, message: JsonRpcRequest, gated: boolean, now: number): Effects {
  const envelope = s.handshake.envelope(message);
  if (envelope !== undefined) s.verifier.setEnvelope(envelope);
  const triggers =
    gated || Object.hasOwn(LIST_METHODS, message.method) || message.method === 'server/discover';
  if (!triggers || s.verifier.started || s.handshake.halfWay) return emptyEffects();
  if (envelope === undefined) s.verifier.setEnvelope(undefined);
  return s.verifier.start(s.handshake.capabilities ?? s.config.entry.server.capabilities, now);
}

/** Run the deferred requests whose verification has finished, in arrival order. */
export function releaseDeferred(s: SessionParts, now: number): Effects {
  const fx = emptyEffects();
  const ready = s.table.takeDeferred((d) => {
    if (d.message.method === LISTEN_METHOD)
      return (
        !waitsForVerification(s.verifier, 'resources') &&
        !waitsForVerification(s.verifier, 'resourceTemplates')
      );
    const gated = gateOf(d.message);
    return gated === undefined || !waitsForVerification(s.verifier, gated.gate);
  });
  for (const d of ready) merge(fx, hostRequest(s, d.message, now));
  return fx;
}

/** A host notification: cancellation and progress are correlated; `initialized` starts verification. */
export function hostNotification(s: SessionParts, message: JsonRpcNotification, now: number): Effects {
  const fx = emptyEffects();
  const taken = takeNotification(s, 'host', message, now, fx);
  if (taken) return taken;
  fx.toServer.push(message);
  if (message.method === 'notifications/initialized' && !s.verifier.started) {
    // Out of order (before the initialize answer): the server's capabilities are not known yet; the
    // answer starts verification (./server-side.ts), so nothing is listed with guessed capabilities.
    if (s.handshake.halfWay) {
      s.handshake.initializedEarly = true;
      return fx;
    }
    s.verifier.setEnvelope(undefined);
    merge(fx, s.verifier.start(s.handshake.capabilities ?? {}, now));
    merge(fx, releaseDeferred(s, now));
  }
  return fx;
}

/** The host's answer to a server→host request: back to the server under the server's own id. */
export function hostResponse(s: SessionParts, message: JsonRpcResult | JsonRpcError): Effects {
  const fx = emptyEffects();
  const id = message.id;
  const mapped = typeof id === 'number' ? s.table.takeServerRequest(id) : undefined;
  if (mapped === undefined) {
    fx.log.push(`host answered unknown request id ${JSON.stringify(id)}; dropped`);
    return fx;
  }
  fx.toServer.push({ ...message, id: mapped.serverId } as JsonRpcMessage);
  return fx;
}

/** A host message that is not JSON-RPC: logged, and a request answered with Invalid Request. */
export function hostInvalid(c: Extract<Classified, { type: 'invalid' }>): Effects {
  const fx = emptyEffects();
  fx.log.push(`host sent an invalid message (${c.reason})`);
  if (c.id !== undefined && !c.response)
    fx.toHost.push(errorResponse(c.id, { code: -32600, message: `Invalid Request: ${c.reason}` }));
  return fx;
}
