import type { RequestTable } from './request-table.js';
import type { Effects, JsonRpcNotification } from './types.js';

/**
 * Route a host's `notifications/cancelled` or `notifications/progress` through the request table: ids and
 * tokens are translated, unknown ones dropped and logged, a cancelled request is forgotten (a deferred one
 * silently). Returns false for any other method (the caller forwards it).
 */
export function routeHostNotification(
  table: RequestTable,
  message: JsonRpcNotification,
  fx: Effects,
): boolean {
  if (message.method === 'notifications/cancelled') {
    const requestId = message.params?.requestId;
    if (typeof requestId !== 'string' && typeof requestId !== 'number') {
      fx.log.push('host cancelled without a requestId; dropped');
      return true;
    }
    if (table.cancelDeferred(requestId)) return true;
    const proxyId = table.proxyIdOf(requestId);
    if (proxyId === undefined) {
      fx.log.push(`host cancelled unknown request ${JSON.stringify(requestId)}; dropped`);
      return true;
    }
    const p = table.get(proxyId);
    if (p?.origin === 'host') table.finish(proxyId, p);
    fx.toServer.push({ ...message, params: { ...message.params, requestId: proxyId } });
    return true;
  }
  if (message.method === 'notifications/progress') {
    const token = message.params?.progressToken;
    if (table.serverTokenKnown(token)) fx.toServer.push(message);
    else fx.log.push(`host progress for unknown token ${JSON.stringify(token)}; dropped`);
    return true;
  }
  return false;
}

/** The same for the server's progress (to the host's own token) and cancellation of its requests. */
export function routeServerNotification(
  table: RequestTable,
  message: JsonRpcNotification,
  fx: Effects,
): boolean {
  if (message.method === 'notifications/progress') {
    const token = message.params?.progressToken;
    const hostToken = table.hostTokenOf(token);
    if (hostToken === undefined)
      fx.log.push(`server progress for unknown token ${JSON.stringify(token)}; dropped`);
    else fx.toHost.push({ ...message, params: { ...message.params, progressToken: hostToken } });
    return true;
  }
  if (message.method === 'notifications/cancelled') {
    const requestId = message.params?.requestId;
    const proxyId = table.cancelServerRequest(requestId);
    if (proxyId === undefined)
      fx.log.push(`server cancelled unknown request ${JSON.stringify(requestId)}; dropped`);
    else fx.toHost.push({ ...message, params: { ...message.params, requestId: proxyId } });
    return true;
  }
  return false;
}
