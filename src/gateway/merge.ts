import type { ToolFilter } from './filter.js';
import { type EntryKindName, exposeName, type Namespace, routesBack } from './namespace.js';

/** The field of a list item that carries its identity, per kind. */
export const KEY_FIELD: Record<EntryKindName, 'name' | 'uri' | 'uriTemplate'> = {
  tools: 'name',
  prompts: 'name',
  resources: 'uri',
  resourceTemplates: 'uriTemplate',
};

/** The list method of each kind and the result field its items come in. */
export const LIST_OF: Record<EntryKindName, { method: string; field: string }> = {
  tools: { method: 'tools/list', field: 'tools' },
  prompts: { method: 'prompts/list', field: 'prompts' },
  resources: { method: 'resources/list', field: 'resources' },
  resourceTemplates: { method: 'resources/templates/list', field: 'resourceTemplates' },
};

/** The kind a list method lists, or undefined. */
export function kindOfListMethod(method: string): EntryKindName | undefined {
  for (const [kind, list] of Object.entries(LIST_OF))
    if (list.method === method) return kind as EntryKindName;
  return undefined;
}

/** One upstream's full list of one kind, as its proxy session let it through (drift already removed). */
export interface UpstreamItems {
  upstream: string;
  items: readonly Record<string, unknown>[];
}

/**
 * The merged list of one kind: every upstream's items under their exposed names (tools filtered by each
 * upstream's allow/deny first), sorted by exposed key so that the same upstream lists always merge to the
 * same bytes, whatever order the upstreams answered in. Items without a string key are dropped, and so is
 * an item whose exposed name would route elsewhere (an unprefixed upstream's `fs__x` while upstream `fs`
 * exists): a listed name is always one that reaches the upstream that listed it. Pure.
 */
export function mergeLists(
  kind: EntryKindName,
  lists: readonly UpstreamItems[],
  ns: Namespace,
  filterOf: (upstream: string) => ToolFilter,
): Record<string, unknown>[] {
  const field = KEY_FIELD[kind];
  const out: { key: string; item: Record<string, unknown> }[] = [];
  for (const { upstream, items } of lists) {
    const filter = filterOf(upstream);
    for (const item of items) {
      const own = item[field];
      if (typeof own !== 'string') continue;
      if (kind === 'tools' && !filter(own)) continue;
      if (!routesBack(ns, upstream, own)) continue;
      const key = exposeName(ns, upstream, own);
      out.push({ key, item: { ...item, [field]: key } });
    }
  }
  out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return out.map((e) => e.item);
}

export type Page =
  | { ok: true; items: Record<string, unknown>[]; nextCursor?: string }
  | { ok: false; reason: string };

/** Cursors are opaque to clients: `g1.<offset>` base64url-encoded. */
function encodeCursor(offset: number): string {
  return Buffer.from(`g1.${offset}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: unknown): number | undefined {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(cursor)) return undefined;
  const m = /^g1\.(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m === null ? undefined : Number(m[1]);
}

/** One page of a merged list; a cursor this gateway did not issue (or past the end) is refused. Pure. */
export function pageOf(items: readonly Record<string, unknown>[], cursor: unknown, pageSize: number): Page {
  const start = cursor === undefined ? 0 : decodeCursor(cursor);
  if (start === undefined || start > items.length) return { ok: false, reason: 'invalid cursor' };
  const end = start + pageSize;
  const page = items.slice(start, end);
  return end < items.length
    ? { ok: true, items: page, nextCursor: encodeCursor(end) }
    : { ok: true, items: page };
}
