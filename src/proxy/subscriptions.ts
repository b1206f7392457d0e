import { isRecordValue } from './jsonrpc.js';
import type { RequestTable } from './request-table.js';
import type { JsonRpcId, JsonRpcMessage, JsonRpcRequest } from './types.js';

/** The `_meta` key naming the `subscriptions/listen` request a stream message belongs to (2026-07-28). */
export const SUBSCRIPTION_ID_META = 'io.modelcontextprotocol/subscriptionId';
export const LISTEN_METHOD = 'subscriptions/listen';

/**
 * The resource URIs a `subscriptions/listen` request asks updates for (`notifications.resourceSubscriptions`);
 * a non-string member is returned as-is so the caller refuses it like any malformed URI.
 */
export function listenUris(message: JsonRpcRequest): unknown[] {
  const notifications = message.params?.notifications;
  const uris = isRecordValue(notifications) ? notifications.resourceSubscriptions : undefined;
  return Array.isArray(uris) ? uris : [];
}

/**
 * Put the host's id on a server message that names a subscription in `_meta` (the listen request's proxy
 * id): `kept` carries the rewritten message, `unknown` a subscription id no open listen of this session
 * has (the message is dropped: a server cannot address streams it was never given). Messages without the
 * key are returned untouched.
 */
export function mapSubscription<M extends JsonRpcMessage>(
  table: RequestTable,
  message: M,
  container: 'params' | 'result',
): { kept: M } | { unknown: unknown } {
  const holder = (message as unknown as Record<string, unknown>)[container];
  const meta = isRecordValue(holder) ? holder._meta : undefined;
  if (!isRecordValue(meta) || !(SUBSCRIPTION_ID_META in meta)) return { kept: message };
  const id = meta[SUBSCRIPTION_ID_META];
  const p = typeof id === 'number' ? table.get(id) : undefined;
  if (p === undefined || p.origin !== 'host' || p.method !== LISTEN_METHOD) return { unknown: id };
  const hostId: JsonRpcId = p.hostId;
  return {
    kept: {
      ...message,
      [container]: {
        ...(holder as Record<string, unknown>),
        _meta: { ...meta, [SUBSCRIPTION_ID_META]: hostId },
      },
    },
  };
}

/** A listen result (the stream ended) with the host's id under the subscription-id key, when present. */
export function withHostSubscriptionId(
  result: Record<string, unknown>,
  hostId: JsonRpcId,
): Record<string, unknown> {
  const meta = result._meta;
  if (!isRecordValue(meta) || !(SUBSCRIPTION_ID_META in meta)) return result;
  return { ...result, _meta: { ...meta, [SUBSCRIPTION_ID_META]: hostId } };
}
