/**
 * The pure half of the Redis store: the local view replicas keep, the events that keep it current, and how a
 * replica merges its view with Redis's on (re)connect. No I/O here; redis.ts moves the bytes.
 */

/** What one replica holds: sticky drift flags and verified digests, by key. */
export interface StoreView {
  drift: Map<string, string>;
  verified: Map<string, string>;
}

/** One state change, as published on the store's event channel so every replica applies it. */
export type StoreEvent =
  | { t: 'drift'; key: string; detail: string }
  | { t: 'verified'; key: string; digest: string };

/** An empty view. */
export function emptyView(): StoreView {
  return { drift: new Map(), verified: new Map() };
}

/** The wire form of an event (not hashed or signed: plain JSON is fine). */
export function encodeStoreEvent(event: StoreEvent): string {
  return JSON.stringify(event);
}

/**
 * Parse an event another replica published; undefined for anything malformed (a foreign publisher on our
 * channel, a newer format). Never throws: it runs inside the subscriber's message handler.
 */
export function parseStoreEvent(text: string): StoreEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.key !== 'string') return undefined;
  if (v.t === 'drift' && typeof v.detail === 'string') return { t: 'drift', key: v.key, detail: v.detail };
  if (v.t === 'verified' && typeof v.digest === 'string')
    return { t: 'verified', key: v.key, digest: v.digest };
  return undefined;
}

/** Apply one event to a view: a drift flag is set once and never cleared or rewritten; a digest is replaced. */
export function applyStoreEvent(view: StoreView, event: StoreEvent): void {
  if (event.t === 'drift') {
    if (!view.drift.has(event.key)) view.drift.set(event.key, event.detail);
  } else view.verified.set(event.key, event.digest);
}

/**
 * What a replica must write back to Redis after (re)connecting: every local entry Redis does not hold. After
 * a Redis restart without persistence Redis holds nothing, and this is how stickiness survives it: each
 * replica re-publishes the drift flags it saw. Entries Redis already holds are left alone (Redis wins for
 * digests; for drift both say "drifted" and the first detail stays).
 */
export function planResync(local: StoreView, remote: StoreView): StoreEvent[] {
  const events: StoreEvent[] = [];
  for (const [key, detail] of [...local.drift].sort(byKey)) {
    if (!remote.drift.has(key)) events.push({ t: 'drift', key, detail });
  }
  for (const [key, digest] of [...local.verified].sort(byKey)) {
    if (!remote.verified.has(key)) events.push({ t: 'verified', key, digest });
  }
  return events;
}

/**
 * The view a replica adopts after resync: Redis's state, plus any local drift flag Redis lacks (a flag is
 * never dropped, whatever Redis lost), then the events that arrived while the snapshot was in flight,
 * replayed in order so nothing newer is overwritten by the older snapshot.
 */
export function mergeView(
  local: StoreView,
  remote: StoreView,
  arrivedDuringSync: readonly StoreEvent[],
): StoreView {
  const next: StoreView = { drift: new Map(remote.drift), verified: new Map(remote.verified) };
  for (const [key, detail] of local.drift) if (!next.drift.has(key)) next.drift.set(key, detail);
  for (const event of arrivedDuringSync) applyStoreEvent(next, event);
  return next;
}

function byKey(a: [string, string], b: [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
