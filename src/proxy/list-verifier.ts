import type { EntryKind, ServerEntry } from '../lockfile/index.js';
import { emptyEffects, mergeEffects, type Recorder } from './effects.js';
import type { RelistPending, RequestTable } from './request-table.js';
import type {
  AuditRecord,
  DriftKind,
  Effects,
  EntryNormalizers,
  JsonRpcError,
  JsonRpcRequest,
  JsonRpcResult,
  ProxyMode,
} from './types.js';

const KINDS: readonly EntryKind[] = ['tools', 'prompts', 'resources', 'resourceTemplates'];
export const LIST_METHODS: Readonly<Record<string, EntryKind>> = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
  'resources/templates/list': 'resourceTemplates',
};
const METHOD_OF: Readonly<Record<EntryKind, string>> = {
  tools: 'tools/list',
  prompts: 'prompts/list',
  resources: 'resources/list',
  resourceTemplates: 'resources/templates/list',
};
/** List-changed notifications and the kinds each one makes the proxy re-list. */
export const CHANGED: Readonly<Record<string, EntryKind[]>> = {
  'notifications/tools/list_changed': ['tools'],
  'notifications/prompts/list_changed': ['prompts'],
  'notifications/resources/list_changed': ['resources', 'resourceTemplates'],
};
export const SINGULAR: Readonly<Record<EntryKind, string>> = {
  tools: 'tool',
  prompts: 'prompt',
  resources: 'resource',
  resourceTemplates: 'resource template',
};
/** Memoized normalizations kept (bounded memory: cleared when full). */
const NORMALIZE_CACHE_MAX = 20_000;

/** What authorization may read of the verification state; nothing here can change it. */
export interface VerificationView {
  /** True while a kind's verification is not finished (gated calls wait in enforce). */
  isStale(kind: EntryKind): boolean;
  /** The digest this session verified for a locked key, if it did. */
  verifiedDigest(kind: EntryKind, key: string): string | undefined;
  /** Why a locked key is unusable in this session (sticky), if it is. */
  drift(kind: EntryKind, key: string): DriftKind | undefined;
}

type Removed = { key: string; kind: 'added' | 'changed' };

interface Relist {
  pages: number;
  verified: Map<string, string>;
  rerun: boolean;
}

export interface ListVerifierConfig {
  entry: ServerEntry;
  mode: ProxyMode;
  normalizers: EntryNormalizers;
  pageCap: number;
  record: Recorder;
}

const byKind = <T>(make: () => T): Record<EntryKind, T> => ({
  tools: make(),
  prompts: make(),
  resources: make(),
  resourceTemplates: make(),
});

/**
 * The session's verified/drifted state, kept from list responses: every item is normalized exactly as at
 * lock time and counts as verified only when its digest equals the locked one; drift is sticky for the
 * session. Also runs the proxy's own re-lists (after initialized and on list_changed), page by page.
 */
export class ListVerifier implements VerificationView {
  private readonly config: ListVerifierConfig;
  private readonly table: RequestTable;
  private readonly verified = byKind(() => new Map<string, string>());
  private readonly drifted = byKind(() => new Map<string, DriftKind>());
  private readonly stale = new Set<EntryKind>(KINDS);
  private readonly relists = new Map<EntryKind, Relist>();
  private readonly normalized = new Map<string, { key: string; digest: string } | null>();
  private envelope: Record<string, unknown> | undefined;
  private begun = false;

  constructor(config: ListVerifierConfig, table: RequestTable) {
    this.config = config;
    this.table = table;
  }

  /** True once the first verification was started (by a handshake, a list, discover or a gated call). */
  get started(): boolean {
    return this.begun;
  }

  /**
   * The 2026-07-28 `_meta` envelope (protocol version, client info and capabilities) of the host request
   * that caused the next re-lists; a modern server refuses a request without one. Undefined: 2025 lists.
   */
  setEnvelope(envelope: Record<string, unknown> | undefined): void {
    this.envelope = envelope;
  }

  isStale(kind: EntryKind): boolean {
    return this.stale.has(kind);
  }

  verifiedDigest(kind: EntryKind, key: string): string | undefined {
    return this.verified[kind].get(key);
  }

  drift(kind: EntryKind, key: string): DriftKind | undefined {
    return this.drifted[kind].get(key);
  }

  /**
   * Filter one list page: items whose digest equals the locked one are kept (and, for a host's list, marked
   * verified); the rest are removed (only reported in audit-only).
   */
  filter(
    kind: EntryKind,
    result: Record<string, unknown>,
    into: Map<string, string> = this.verified[kind],
  ): { result: Record<string, unknown>; removed: Removed[] } {
    const items = result[kind];
    if (!Array.isArray(items)) return { result, removed: [] };
    const locked = this.config.entry[kind] as Record<string, { digest: string }>;
    const keepAll = this.config.mode === 'audit-only';
    const kept: unknown[] = [];
    const removed: Removed[] = [];
    for (const item of items) {
      const normalized = this.normalize(kind, item);
      if (normalized === undefined) {
        removed.push({ key: '(invalid entry)', kind: 'added' });
        if (keepAll) kept.push(item);
        continue;
      }
      const { key, digest } = normalized;
      const lockedEntry = Object.hasOwn(locked, key) ? locked[key] : undefined;
      if (lockedEntry !== undefined && lockedEntry.digest === digest && !this.drifted[kind].has(key)) {
        kept.push(item);
        into.set(key, digest);
        continue;
      }
      const driftKind = lockedEntry === undefined ? 'added' : 'changed';
      const sticky = this.drifted[kind].get(key);
      removed.push({ key, kind: sticky === 'changed' ? 'changed' : driftKind });
      // Only locked keys are remembered (bounded by the lockfile): an unlocked name is refused anyway.
      if (sticky === undefined && lockedEntry !== undefined) this.drifted[kind].set(key, driftKind);
      if (keepAll) kept.push(item);
    }
    return { result: { ...result, [kind]: kept }, removed };
  }

  /**
   * A host's list response: filtered (see filter), the removals logged and written into the request's
   * audit record (decision `filter`, or `wouldBe: filter` in audit-only). Returns the result to forward.
   */
  filterResponse(
    kind: EntryKind,
    result: Record<string, unknown>,
    audit: AuditRecord | undefined,
    fx: Effects,
  ): Record<string, unknown> {
    const filtered = this.filter(kind, result);
    const auditOnly = this.config.mode === 'audit-only';
    const { removed } = filtered;
    if (removed.length > 0) {
      const what = removed.map((r) => `${SINGULAR[kind]} "${r.key}" (${r.kind})`).join(', ');
      fx.log.push(`${METHOD_OF[kind]}: ${auditOnly ? 'would remove' : 'removed'} ${what}`);
    }
    if (audit !== undefined) {
      audit.target = kind;
      if (removed.length > 0) {
        audit.removed = removed;
        if (auditOnly) audit.wouldBe = 'filter';
        else audit.decision = 'filter';
      }
    }
    return filtered.result;
  }

  /**
   * Normalize one live item exactly as at lock time, memoized by the item's JSON text: servers repeat the
   * same items on every list, and zod + canonical JSON + sha256 per item dominates a large list otherwise.
   */
  private normalize(kind: EntryKind, item: unknown): { key: string; digest: string } | undefined {
    const cacheKey = `${kind}\u0000${JSON.stringify(item)}`;
    const hit = this.normalized.get(cacheKey);
    if (hit !== undefined) return hit === null ? undefined : hit;
    let value: { key: string; digest: string } | null;
    try {
      const [key, entry] = this.config.normalizers[kind](item);
      value = { key, digest: entry.digest };
    } catch {
      value = null;
    }
    if (this.normalized.size >= NORMALIZE_CACHE_MAX) this.normalized.clear();
    this.normalized.set(cacheKey, value);
    return value === null ? undefined : value;
  }

  /**
   * The first verification (after initialized, or on the first list, discover or gated request): re-list
   * every kind the server declared; kinds it did not declare are settled.
   */
  start(capabilities: Record<string, unknown>, now: number): Effects {
    const fx = emptyEffects();
    this.begun = true;
    for (const kind of KINDS) {
      const capability = kind === 'resourceTemplates' ? 'resources' : kind;
      if (capabilities[capability] === undefined) {
        this.stale.delete(kind);
        continue;
      }
      mergeEffects(fx, this.relist(kind, now));
    }
    return fx;
  }

  /** Start a re-list of a kind (or mark the running one to run again when it ends). */
  relist(kind: EntryKind, now: number): Effects {
    const fx = emptyEffects();
    const running = this.relists.get(kind);
    if (running) {
      running.rerun = true;
      return fx;
    }
    this.stale.add(kind);
    this.relists.set(kind, { pages: 0, verified: new Map(), rerun: false });
    fx.toServer.push(this.listRequest(kind, undefined, now));
    return fx;
  }

  private listRequest(kind: EntryKind, cursor: string | undefined, now: number): JsonRpcRequest {
    const id = this.table.addRelist(kind, now);
    const req: JsonRpcRequest = { jsonrpc: '2.0', id, method: METHOD_OF[kind] };
    const params: Record<string, unknown> = {};
    if (cursor !== undefined) params.cursor = cursor;
    if (this.envelope !== undefined) params._meta = { ...this.envelope };
    if (Object.keys(params).length > 0) req.params = params;
    return req;
  }

  /** One page of a re-list arrived (the table entry is already removed by the caller). */
  page(p: RelistPending, message: JsonRpcResult | JsonRpcError, now: number): Effects {
    const run = this.relists.get(p.kind);
    if (run === undefined) return emptyEffects();
    if ('error' in message)
      return this.failed(p.kind, `server error ${message.error.code}: ${message.error.message}`, now);
    const fx = emptyEffects();
    const { removed } = this.filter(p.kind, message.result, run.verified);
    run.pages++;
    if (removed.length > 0) {
      const auditOnly = this.config.mode === 'audit-only';
      fx.audit.push(
        this.config.record(now, 'server→host', METHOD_OF[p.kind], {
          target: p.kind,
          decision: auditOnly ? 'allow' : 'filter',
          reason: 'proxy re-list',
          removed,
          ...(auditOnly ? { wouldBe: 'filter' as const } : {}),
        }),
      );
      fx.log.push(
        `${METHOD_OF[p.kind]}: ${removed.map((r) => `${SINGULAR[p.kind]} "${r.key}" ${r.kind}`).join(', ')}`,
      );
    }
    const cursor = message.result.nextCursor;
    if (typeof cursor === 'string' && cursor.length > 0) {
      if (run.pages >= this.config.pageCap) {
        return mergeEffects(fx, this.failed(p.kind, `more than ${this.config.pageCap} pages`, now));
      }
      fx.toServer.push(this.listRequest(p.kind, cursor, now));
      return fx;
    }
    this.verified[p.kind] = run.verified;
    this.relists.delete(p.kind);
    if (run.rerun) return mergeEffects(fx, this.relist(p.kind, now));
    this.stale.delete(p.kind);
    return fx;
  }

  /** A re-list failed: every locked entry of that kind is blocked for the rest of the session. */
  failed(kind: EntryKind, reason: string, now: number): Effects {
    const fx = emptyEffects();
    this.relists.delete(kind);
    this.verified[kind] = new Map();
    for (const key of Object.keys(this.config.entry[kind])) this.drifted[kind].set(key, 'relist-failed');
    this.stale.delete(kind);
    fx.log.push(`re-listing ${kind} failed (${reason}); every ${SINGULAR[kind]} is blocked for this session`);
    fx.audit.push(
      this.config.record(now, 'server→host', METHOD_OF[kind], { target: kind, decision: 'error', reason }),
    );
    return fx;
  }
}
