import { isRawIntegerId } from './parse.js';
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
  /** `id`: the id to answer with; null when it cannot be known (answer with `id: null`); undefined: no answer. */
  | { type: 'invalid'; id: JsonRpcId | null | undefined; reason: string; response?: true };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON-RPC ids the proxy accepts: strings and integers (exact beyond 2^53); not null, bool, objects, 1.5. */
function isId(value: unknown): value is JsonRpcId {
  return (
    typeof value === 'string' ||
    (typeof value === 'number' && Number.isSafeInteger(value)) ||
    isRawIntegerId(value)
  );
}

/** Classify one (non-batch) JSON value as a JSON-RPC 2.0 message. */
export function classify(value: unknown): Classified {
  if (!isRecord(value)) return { type: 'invalid', id: null, reason: 'not a JSON object' };
  const valid = isId(value.id) ? value.id : undefined;
  // A response is never answered (JSON-RPC); anything else that cannot be read is, with id null if need be.
  const response = !('method' in value) && ('result' in value || 'error' in value);
  const id = valid ?? (response ? undefined : null);
  if (value.jsonrpc !== '2.0') return { type: 'invalid', id, reason: 'jsonrpc must be "2.0"' };
  if (value.params !== undefined && !isRecord(value.params) && 'method' in value) {
    return { type: 'invalid', id, reason: 'params must be an object' };
  }
  if (typeof value.method === 'string') {
    if ('id' in value) {
      if (valid === undefined)
        return { type: 'invalid', id: null, reason: 'request id must be a string or an integer' };
      return { type: 'request', message: value as unknown as JsonRpcRequest };
    }
    return { type: 'notification', message: value as unknown as JsonRpcNotification };
  }
  if ('result' in value || 'error' in value) {
    if ('result' in value && !isRecord(value.result))
      return { type: 'invalid', id: valid, reason: 'result must be an object', response: true };
    if ('error' in value && !isRecord(value.error))
      return { type: 'invalid', id: valid, reason: 'error must be an object', response: true };
    if (valid === undefined && value.id !== null)
      return { type: 'invalid', id: undefined, reason: 'response without a valid id' };
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

/** A stable map key for an id: 1 and "1" are different JSON-RPC ids; big integers keep their digits. */
export function idKey(id: JsonRpcId): string {
  return typeof id === 'number' ? `n:${id}` : typeof id === 'string' ? `s:${id}` : `n:${id.rawJSON}`;
}
