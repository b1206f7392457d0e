import type {
  JsonRpcError,
  JsonRpcErrorObject,
  JsonRpcId,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResult,
} from './types.js';

/** The shape of one parsed JSON value, as far as the proxy cares. Lenient (STYLE §3): extra fields pass. */
export type Classified =
  | { type: 'request'; message: JsonRpcRequest }
  | { type: 'notification'; message: JsonRpcNotification }
  | { type: 'response'; message: JsonRpcResult | JsonRpcError }
  | { type: 'invalid'; id: JsonRpcId | undefined; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is JsonRpcId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** Classify one (non-batch) JSON value as a JSON-RPC 2.0 message. */
export function classify(value: unknown): Classified {
  if (!isRecord(value)) return { type: 'invalid', id: undefined, reason: 'not a JSON object' };
  const id = isId(value.id) ? value.id : undefined;
  if (value.jsonrpc !== '2.0') return { type: 'invalid', id, reason: 'jsonrpc must be "2.0"' };
  if (value.params !== undefined && !isRecord(value.params) && 'method' in value) {
    return { type: 'invalid', id, reason: 'params must be an object' };
  }
  if (typeof value.method === 'string') {
    if ('id' in value) {
      if (id === undefined)
        return { type: 'invalid', id: undefined, reason: 'request id must be a string or number' };
      return { type: 'request', message: value as unknown as JsonRpcRequest };
    }
    return { type: 'notification', message: value as unknown as JsonRpcNotification };
  }
  if ('result' in value || 'error' in value) {
    if ('result' in value && !isRecord(value.result))
      return { type: 'invalid', id, reason: 'result must be an object' };
    if ('error' in value && !isRecord(value.error))
      return { type: 'invalid', id, reason: 'error must be an object' };
    if (id === undefined && value.id !== null)
      return { type: 'invalid', id, reason: 'response without a valid id' };
    return { type: 'response', message: value as unknown as JsonRpcResult | JsonRpcError };
  }
  return { type: 'invalid', id, reason: 'neither a request, a notification nor a response' };
}

export function errorResponse(id: JsonRpcId | null, error: JsonRpcErrorObject): JsonRpcError {
  return { jsonrpc: '2.0', id, error };
}

export function isRecordValue(value: unknown): value is Record<string, unknown> {
  return isRecord(value);
}

/** A stable map key for an id: 1 and "1" are different JSON-RPC ids. */
export function idKey(id: JsonRpcId): string {
  return typeof id === 'number' ? `n:${id}` : `s:${id}`;
}
