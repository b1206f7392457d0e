import type { RequestTable } from './request-table.js';
import type { Effects, JsonRpcNotification } from './types.js';

/** Routes one id- or token-carrying notification through the table, into `fx`. */
type Route = (table: RequestTable, message: JsonRpcNotification, fx: Effects, now: number) => void;

/**
 * The host's cancellation and progress: ids and tokens are translated, unknown ones dropped and logged, a
 * cancelled request is forgotten (a deferred one silently) and its audit record written now, with the
 * reason, since no answer will come to write it.
 */
const FROM_HOST: Readonly<Record<string, Route>> = {
  'notifications/cancelled': (table, message, fx, now) => {
    const requestId = message.params?.requestId;
    if (typeof requestId !== 'string' && typeof requestId !== 'number') {
      fx.log.push('host cancelled without a requestId; dropped');
      return;
    }
    if (table.cancelDeferred(requestId)) return;
    const proxyId = table.proxyIdOf(requestId);
    if (proxyId === undefined) {
      fx.log.push(`host cancelled unknown request ${JSON.stringify(requestId)}; dropped`);
      return;
    }
    const p = table.get(proxyId);
    if (p?.origin === 'host') {
      table.finish(proxyId, p);
      if (p.audit !== undefined) {
        const reason = message.params?.reason;
        p.audit.durationMs = now - p.started;
        p.audit.reason = `cancelled by the host${typeof reason === 'string' ? `: ${reason.slice(0, 200)}` : ''}`;
        fx.audit.push(p.audit);
      }
    }
    fx.toServer.push({ ...message, params: { ...message.params, requestId: proxyId } });
  },
  'notifications/progress': (table, message, fx) => {
    const token = message.params?.progressToken;
    if (table.serverTokenKnown(token)) fx.toServer.push(message);
    else fx.log.push(`host progress for unknown token ${JSON.stringify(token)}; dropped`);
  },
};

/** The same for the server's progress (to the host's own token) and cancellation of its requests. */
const FROM_SERVER: Readonly<Record<string, Route>> = {
  'notifications/progress': (table, message, fx) => {
    const token = message.params?.progressToken;
    const hostToken = table.hostTokenOf(token);
    if (hostToken === undefined)
      fx.log.push(`server progress for unknown token ${JSON.stringify(token)}; dropped`);
    else fx.toHost.push({ ...message, params: { ...message.params, progressToken: hostToken } });
  },
  'notifications/cancelled': (table, message, fx) => {
    const requestId = message.params?.requestId;
    const proxyId = table.cancelServerRequest(requestId);
    if (proxyId === undefined)
      fx.log.push(`server cancelled unknown request ${JSON.stringify(requestId)}; dropped`);
    else fx.toHost.push({ ...message, params: { ...message.params, requestId: proxyId } });
  },
};

/**
 * Route a `notifications/cancelled` or `notifications/progress` from `from` through the request table
 * (see FROM_HOST, FROM_SERVER). Returns false for any other method (the caller forwards it).
 */
export function routeCorrelated(
  from: 'host' | 'server',
  table: RequestTable,
  message: JsonRpcNotification,
  fx: Effects,
  now: number,
): boolean {
  const routes = from === 'host' ? FROM_HOST : FROM_SERVER;
  // Own keys only: a method named `__proto__` or `constructor` must not index the prototype.
  const route = Object.hasOwn(routes, message.method) ? routes[message.method] : undefined;
  if (route === undefined) return false;
  route(table, message, fx, now);
  return true;
}
