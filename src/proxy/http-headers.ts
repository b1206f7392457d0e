import { isRecordValue } from './jsonrpc.js';
import { PROTOCOL_VERSION_META } from './methods.js';
import type { JsonRpcError } from './types.js';

/** The spec's HeaderMismatch code (2026-07-28 Streamable HTTP): a standard header disagrees with the body. */
export const HEADER_MISMATCH_CODE = -32020;

/** Which body field `Mcp-Name` mirrors, per method (2026-07-28 Streamable HTTP). */
const NAME_SOURCE: Readonly<Record<string, string>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};
const BASE64_PREFIX = '=?base64?';
const BASE64_SUFFIX = '?=';

/** A header value as sent: plain, or the `=?base64?…?=` sentinel for values that are not plain ASCII. */
function decodeHeader(value: string): string | undefined {
  if (!value.startsWith(BASE64_PREFIX) || !value.endsWith(BASE64_SUFFIX)) return value;
  const b64 = value.slice(BASE64_PREFIX.length, value.length - BASE64_SUFFIX.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined;
  return Buffer.from(b64, 'base64').toString('utf8');
}

/** True when a POST's `MCP-Protocol-Version` header names the stateless generation (2026-07-28 or later). */
export function isModernHeader(version: string | undefined): boolean {
  return typeof version === 'string' && version >= '2026-07-28';
}

/**
 * Check a 2026-07-28 POST's standard headers against the body they travel with: `MCP-Protocol-Version`
 * must equal the body's `_meta` protocol version, `Mcp-Method` the method, and `Mcp-Name` (required for
 * the methods that name a target) the body's `name` / `uri` / `taskId`. Notifications are exempt from the
 * presence checks, as in the spec. Returns the HTTP 400 error body (HeaderMismatch) or undefined. Pure.
 */
export function checkModernHeaders(
  headers: { version?: string; method?: string; name?: string },
  body: unknown,
): JsonRpcError | undefined {
  const id =
    isRecordValue(body) && (typeof body.id === 'string' || typeof body.id === 'number') ? body.id : null;
  const fail = (message: string): JsonRpcError => ({
    jsonrpc: '2.0',
    id,
    error: { code: HEADER_MISMATCH_CODE, message: `Header mismatch: ${message}` },
  });
  if (!isRecordValue(body) || typeof body.method !== 'string') return undefined;
  const isRequest = id !== null;
  const params = isRecordValue(body.params) ? body.params : {};
  const meta = isRecordValue(params._meta) ? params._meta : {};
  const bodyVersion = meta[PROTOCOL_VERSION_META];
  if (headers.version !== undefined && bodyVersion !== undefined && headers.version !== bodyVersion)
    return fail(`MCP-Protocol-Version ${headers.version} but the body names ${String(bodyVersion)}`);
  if (headers.method === undefined) return isRequest ? fail('Mcp-Method is missing') : undefined;
  if (headers.method !== body.method)
    return fail(`Mcp-Method ${headers.method} but the body's method is ${body.method}`);
  const source = NAME_SOURCE[body.method];
  if (source === undefined) return undefined;
  const bodyName = params[source];
  if (headers.name === undefined)
    return isRequest && bodyName !== undefined ? fail('Mcp-Name is missing') : undefined;
  const decoded = decodeHeader(headers.name);
  if (decoded === undefined) return fail('Mcp-Name carries an invalid Base64 sentinel value');
  if (decoded !== bodyName)
    return fail(
      `Mcp-Name ${JSON.stringify(decoded)} but the body's ${source} is ${JSON.stringify(bodyName)}`,
    );
  return undefined;
}
