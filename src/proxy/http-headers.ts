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

/** The HeaderMismatch error body for `body` (its id when it has a usable one, else null), by message. */
function mismatchOf(body: unknown): (message: string) => JsonRpcError {
  const id =
    isRecordValue(body) && (typeof body.id === 'string' || typeof body.id === 'number') ? body.id : null;
  return (message) => ({
    jsonrpc: '2.0',
    id,
    error: { code: HEADER_MISMATCH_CODE, message: `Header mismatch: ${message}` },
  });
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
  const fail = mismatchOf(body);
  if (!isRecordValue(body) || typeof body.method !== 'string') return undefined;
  const isRequest = typeof body.id === 'string' || typeof body.id === 'number';
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

/** One `x-mcp-header` declaration of a tool's input schema: the argument at `path` travels in `Mcp-Param-<header>`. */
export interface ParamBinding {
  readonly header: string;
  readonly path: readonly string[];
  readonly type: 'string' | 'integer' | 'boolean' | 'number';
}

/** RFC 9110 token: what an `x-mcp-header` value (the header name suffix) may be. */
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BINDABLE_TYPES = new Set(['string', 'integer', 'boolean', 'number']);
const MAX_BINDING_DEPTH = 32;

/**
 * The `x-mcp-header` declarations of a (locked) input schema, reachable from the root through a chain of
 * `properties` keys only (the spec's placement rule), on primitive-typed properties, with token names that
 * are unique ignoring case. Declarations elsewhere (under items, combinators, `$ref`, `$defs`) or with an
 * invalid name or type are left out: a client mirrors none of them, so no header may claim them either.
 * Sorted by header name. Pure.
 */
export function paramBindings(inputSchema: unknown): ParamBinding[] {
  const out: ParamBinding[] = [];
  const seen = new Set<string>();
  const visit = (node: unknown, path: string[]) => {
    if (!isRecordValue(node) || path.length > MAX_BINDING_DEPTH) return;
    const header = node['x-mcp-header'];
    const type = node.type;
    if (
      path.length > 0 &&
      typeof header === 'string' &&
      HEADER_TOKEN.test(header) &&
      typeof type === 'string' &&
      BINDABLE_TYPES.has(type) &&
      !seen.has(header.toLowerCase())
    ) {
      seen.add(header.toLowerCase());
      out.push({ header, path, type: type as ParamBinding['type'] });
    }
    if (!isRecordValue(node.properties)) return;
    for (const [key, child] of Object.entries(node.properties)) visit(child, [...path, key]);
  };
  visit(inputSchema, []);
  return out.sort((a, b) => (a.header < b.header ? -1 : a.header > b.header ? 1 : 0));
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isRecordValue(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** The header text of one argument value, or undefined when it has none (absent, null, not a primitive). */
function headerText(value: unknown, type: ParamBinding['type']): string | undefined {
  if (typeof value === 'string') return type === 'string' ? value : undefined;
  if (typeof value === 'boolean') return type === 'boolean' ? String(value) : undefined;
  if (typeof value === 'number' && Number.isFinite(value))
    return type === 'integer' || type === 'number' ? String(value) : undefined;
  return undefined;
}

/** A header value as a client sends it: plain printable ASCII without edge whitespace, else the Base64 sentinel. */
function encodeHeader(text: string): string {
  const plain = /^[\x20-\x7e]*$/.test(text) && text.trim() === text && !text.startsWith(BASE64_PREFIX);
  return plain ? text : `${BASE64_PREFIX}${Buffer.from(text, 'utf8').toString('base64')}${BASE64_SUFFIX}`;
}

/**
 * The `Mcp-Param-*` headers of one `tools/call` (by the locked declarations and the arguments actually
 * forwarded): what capseal sends upstream, recomputed rather than copied from the host. Pure.
 */
export function paramHeaders(bindings: readonly ParamBinding[], args: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const b of bindings) {
    const text = headerText(valueAt(args, b.path), b.type);
    if (text !== undefined) out[`Mcp-Param-${b.header}`] = encodeHeader(text);
  }
  return out;
}

/**
 * Check a 2026-07-28 `tools/call` POST's `Mcp-Param-*` headers (`given`: lower-cased header name → value)
 * against the locked declarations of the named tool and the body's arguments: each declared argument that
 * has a value needs its header with that value (Base64 sentinel decoded); a header for an argument without
 * a value, or for no declaration at all, is refused (a conforming client never sends one: something
 * between it and capseal is speaking for it). Returns the HeaderMismatch error body or undefined. Pure.
 */
export function checkParamHeaders(
  bindings: readonly ParamBinding[],
  given: Readonly<Record<string, string>>,
  body: unknown,
): JsonRpcError | undefined {
  const fail = mismatchOf(body);
  const params = isRecordValue(body) && isRecordValue(body.params) ? body.params : {};
  const args = params.arguments;
  const declared = new Set<string>();
  for (const b of bindings) {
    const name = `mcp-param-${b.header.toLowerCase()}`;
    declared.add(name);
    const expected = headerText(valueAt(args, b.path), b.type);
    const sent = given[name];
    if (expected === undefined) {
      if (sent !== undefined)
        return fail(`Mcp-Param-${b.header} is sent but argument ${b.path.join('.')} has no value`);
      continue;
    }
    if (sent === undefined) return fail(`Mcp-Param-${b.header} is missing (argument ${b.path.join('.')})`);
    const decoded = decodeHeader(sent);
    if (decoded === undefined) return fail(`Mcp-Param-${b.header} carries an invalid Base64 sentinel value`);
    if (decoded !== expected)
      return fail(
        `Mcp-Param-${b.header} ${JSON.stringify(decoded)} but argument ${b.path.join('.')} is ${JSON.stringify(expected)}`,
      );
  }
  const stray = Object.keys(given)
    .filter((n) => !declared.has(n))
    .sort();
  if (stray.length > 0) return fail(`${stray.join(', ')}: no x-mcp-header of the locked tool declares it`);
  return undefined;
}

/** The `mcp-param-*` headers of a request, lower-cased name → value (repeated headers joined as Node does). */
export function paramHeadersOf(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.toLowerCase().startsWith('mcp-param-') || value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * The `Mcp-Param-*` check of one 2026-07-28 POST: a `tools/call` of a locked tool against that tool's
 * locked declarations (`bindingsOf`; undefined for a tool the lock does not name, whose call the proxy
 * decides on its own); any other method must carry none. Without `bindingsOf` nothing is checked. Pure.
 */
export function checkCallParams(
  bindingsOf: ((tool: string) => readonly ParamBinding[] | undefined) | undefined,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: unknown,
): JsonRpcError | undefined {
  if (bindingsOf === undefined || !isRecordValue(body)) return undefined;
  const given = paramHeadersOf(headers);
  const params = isRecordValue(body.params) ? body.params : {};
  if (body.method === 'tools/call' && typeof params.name === 'string') {
    const bindings = bindingsOf(params.name);
    return bindings === undefined ? undefined : checkParamHeaders(bindings, given, body);
  }
  return Object.keys(given).length === 0 ? undefined : checkParamHeaders([], given, body);
}

/** Memoized declarations per tool of a locked entry's tools (`tools[name].inputSchema`). */
export function lockedParamBindings(
  tools: Readonly<Record<string, { inputSchema?: unknown }>>,
): (tool: string) => readonly ParamBinding[] | undefined {
  const cache = new Map<string, readonly ParamBinding[]>();
  return (tool) => {
    if (!Object.hasOwn(tools, tool)) return undefined;
    let found = cache.get(tool);
    if (found === undefined) {
      found = paramBindings(tools[tool]?.inputSchema);
      cache.set(tool, found);
    }
    return found;
  };
}
