import { BLOCKED_CODE } from '../proxy/index.js';
import type { ToolFilter } from './filter.js';
import { exposeName, type Namespace, resolveName } from './namespace.js';

/**
 * The gateway's own `data.kind` values of a BLOCKED_CODE error (beside the proxy's BLOCK_KINDS, which the
 * upstream's session answers with): `filtered` (an allow/deny rule of the config removed the tool),
 * `unknown-upstream` (the name carries no upstream's prefix), `missing-target` (a routed method without
 * the name or URI it routes by), `store-unavailable` (the shared store is not current: fail closed).
 */
export const GATEWAY_BLOCK_KINDS = [
  'filtered',
  'unknown-upstream',
  'missing-target',
  'store-unavailable',
] as const;
export type GatewayBlockKind = (typeof GATEWAY_BLOCK_KINDS)[number];

/** The `_meta` keys of the 2026-07-28 envelope: the gateway speaks for itself upstream. */
const ENVELOPE_PREFIX = 'io.modelcontextprotocol/';

/** Methods routed by the target they name, and where that target sits in params. */
const TARGETED: Readonly<Record<string, 'name' | 'uri' | 'ref'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'resources/subscribe': 'uri',
  'resources/unsubscribe': 'uri',
  'completion/complete': 'ref',
};

/** A JSON-RPC error object (code, message, data). */
export interface RouteError {
  code: number;
  message: string;
  data?: unknown;
}

export type RouteDecision =
  | { kind: 'forward'; upstream: string; target: string; params: Record<string, unknown> }
  | { kind: 'refuse'; error: RouteError };

/** Whether a method is routed to one upstream by the name or URI it carries. */
export function isRoutedMethod(method: string): boolean {
  return Object.hasOwn(TARGETED, method);
}

/**
 * Route one client request naming a target (tools/call, prompts/get, resources/*, completion/complete):
 * strip the upstream prefix, refuse a tool the upstream's filter removes (before the lock is consulted:
 * the upstream never sees it), and drop the client's 2026-07-28 envelope from `_meta` (the gateway talks
 * to each upstream in its own session). The upstream's proxy session then decides as `capseal proxy`
 * would. Pure.
 */
export function routeRequest(
  ns: Namespace,
  method: string,
  params: Record<string, unknown>,
  filterOf: (upstream: string) => ToolFilter | undefined,
): RouteDecision {
  const where = TARGETED[method];
  const ref = where === 'ref' && isRecord(params.ref) ? params.ref : undefined;
  const field = where === 'ref' ? (typeof ref?.uri === 'string' ? 'uri' : 'name') : where;
  const exposed = where === 'ref' ? ref?.[field as string] : field === undefined ? undefined : params[field];
  const refuse = (kind: GatewayBlockKind, reason: string, target?: string): RouteDecision => ({
    kind: 'refuse',
    error: {
      code: BLOCKED_CODE,
      message: `capseal: ${reason}`,
      data: { reason, kind, server: 'gateway', method, ...(target === undefined ? {} : { target }) },
    },
  });
  if (typeof exposed !== 'string') return refuse('missing-target', `${method} without a target`);
  const routed = resolveName(ns, exposed);
  const filter = routed === undefined ? undefined : filterOf(routed.upstream);
  if (routed === undefined || filter === undefined)
    return refuse('unknown-upstream', `${exposed} names no upstream of this gateway`, exposed);
  if (method === 'tools/call' && !filter(routed.name))
    return refuse('filtered', `tool ${exposed} is filtered out by the gateway configuration`, exposed);
  const inner = stripEnvelope(params);
  const rewritten =
    where === 'ref'
      ? { ...inner, ref: { ...(ref as Record<string, unknown>), [field as string]: routed.name } }
      : { ...inner, [field as string]: routed.name };
  return { kind: 'forward', upstream: routed.upstream, target: exposed, params: rewritten };
}

/** Params without the client's 2026-07-28 envelope keys (`_meta` dropped when nothing else is left). */
export function stripEnvelope(params: Record<string, unknown>): Record<string, unknown> {
  if (!isRecord(params._meta)) return params;
  const meta = Object.fromEntries(
    Object.entries(params._meta).filter(([k]) => !k.startsWith(ENVELOPE_PREFIX)),
  );
  const { _meta: _dropped, ...rest } = params;
  return Object.keys(meta).length === 0 ? rest : { ...rest, _meta: meta };
}

/**
 * An upstream's answer as the client sees it: URIs in a resources/read result carry the upstream's prefix,
 * like the listed ones. Everything else passes unchanged. Pure.
 */
export function exposeResult(
  ns: Namespace,
  upstream: string,
  method: string,
  result: Record<string, unknown>,
): Record<string, unknown> {
  if (method !== 'resources/read' || !Array.isArray(result.contents)) return result;
  return {
    ...result,
    contents: result.contents.map((c: unknown) =>
      isRecord(c) && typeof c.uri === 'string' ? { ...c, uri: exposeName(ns, upstream, c.uri) } : c,
    ),
  };
}

/** An upstream's notification as clients see it (resources/updated: the prefixed URI). Pure. */
export function exposeNotification(
  ns: Namespace,
  upstream: string,
  method: string,
  params: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (method === 'notifications/resources/updated' && typeof params?.uri === 'string')
    return { ...params, uri: exposeName(ns, upstream, params.uri) };
  return params;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
