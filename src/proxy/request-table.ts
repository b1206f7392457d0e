import type { EntryKind } from '../lockfile/index.js';
import { idKey, isRecordValue } from './jsonrpc.js';
import type { AuditRecord, JsonRpcId, JsonRpcRequest } from './types.js';

/** A host request forwarded to the server under a proxy id. */
export interface HostPending {
  origin: 'host';
  hostId: JsonRpcId;
  method: string;
  started: number;
  target?: string;
  digest?: string;
  progressToken?: { proxy: string; host: string | number };
  audit?: AuditRecord;
  /** A long-lived stream (`subscriptions/listen`): open until answered or cancelled, never timed out. */
  stream?: boolean;
}
/** One page of the proxy's own re-list of a kind. */
export interface RelistPending {
  origin: 'proxy';
  kind: EntryKind;
  started: number;
}
type Pending = HostPending | RelistPending;

/** A server→host request, forwarded under a proxy id. */
interface ServerRequest {
  serverId: JsonRpcId;
  method: string;
  token?: unknown;
}

/** A gated host request waiting for list verification to finish. */
export interface Deferred {
  message: JsonRpcRequest;
  received: number;
}

/**
 * Id correlation between one host and one server, and nothing else: host request ids never reach the
 * server (proxy ids do, from one counter shared with the proxy's own re-lists), server→host request ids
 * are mapped separately, progress tokens are replaced and mapped back. Pure state, no decisions.
 */
export class RequestTable {
  private nextServerId = 1;
  private nextHostId = 1;
  private readonly pending = new Map<number, Pending>();
  private hostPendingCount = 0;
  /** host id key → proxy id, for cancellation and duplicate detection. */
  private readonly hostIds = new Map<string, number>();
  /** proxy progress token → host progress token. */
  private readonly progress = new Map<string, string | number>();
  /** proxy id (as the host sees it) → the server's own id for a server→client request. */
  private readonly serverRequests = new Map<number, ServerRequest>();
  private deferred: Deferred[] = [];

  /** Requests in flight in both directions plus deferred ones. */
  get size(): number {
    return this.pending.size + this.serverRequests.size + this.deferred.length;
  }

  /** Host requests forwarded or waiting: what maxPending bounds. */
  get hostLoad(): number {
    return this.hostPendingCount + this.deferred.length;
  }

  get serverRequestCount(): number {
    return this.serverRequests.size;
  }

  hostIdInFlight(id: JsonRpcId): boolean {
    return this.hostIds.has(idKey(id));
  }

  /**
   * Register a host request about to be forwarded; returns the proxy id and the params to send (the
   * progress token replaced by the proxy's own).
   */
  addHost(
    message: JsonRpcRequest,
    pending: Omit<HostPending, 'origin' | 'hostId' | 'method' | 'progressToken'>,
  ): { proxyId: number; params: Record<string, unknown> | undefined } {
    const proxyId = this.nextServerId++;
    const entry: HostPending = { origin: 'host', hostId: message.id, method: message.method, ...pending };
    let params = message.params;
    const meta = params?._meta;
    if (
      isRecordValue(meta) &&
      (typeof meta.progressToken === 'string' || typeof meta.progressToken === 'number')
    ) {
      const proxyToken = `capseal-${proxyId}`;
      entry.progressToken = { proxy: proxyToken, host: meta.progressToken };
      this.progress.set(proxyToken, meta.progressToken);
      params = { ...params, _meta: { ...meta, progressToken: proxyToken } };
    }
    this.pending.set(proxyId, entry);
    this.hostIds.set(idKey(message.id), proxyId);
    this.hostPendingCount++;
    return { proxyId, params };
  }

  /** Register one page request of the proxy's own re-list; returns its id. */
  addRelist(kind: EntryKind, now: number): number {
    const id = this.nextServerId++;
    this.pending.set(id, { origin: 'proxy', kind, started: now });
    return id;
  }

  get(proxyId: number): Pending | undefined {
    return this.pending.get(proxyId);
  }

  /** Every pending entry, oldest first (for timeouts and shutdown). */
  entries(): IterableIterator<[number, Pending]> {
    return this.pending.entries();
  }

  /** Forget a request (a host request: also its host id and progress token). */
  finish(proxyId: number, p: Pending): void {
    this.pending.delete(proxyId);
    if (p.origin !== 'host') return;
    this.hostIds.delete(idKey(p.hostId));
    this.hostPendingCount--;
    if (p.progressToken) this.progress.delete(p.progressToken.proxy);
  }

  /** The proxy id a host request id was forwarded under. */
  proxyIdOf(hostId: JsonRpcId): number | undefined {
    return this.hostIds.get(idKey(hostId));
  }

  /** The host's progress token behind a proxy token the server sent. */
  hostTokenOf(proxyToken: unknown): string | number | undefined {
    return typeof proxyToken === 'string' ? this.progress.get(proxyToken) : undefined;
  }

  // ---------------------------------------------------------------- deferred

  defer(message: JsonRpcRequest, now: number): void {
    this.deferred.push({ message, received: now });
  }

  hasDeferred(): boolean {
    return this.deferred.length > 0;
  }

  /** Drop a deferred request the host cancelled; true when there was one. */
  cancelDeferred(hostId: JsonRpcId): boolean {
    const key = idKey(hostId);
    const i = this.deferred.findIndex((d) => idKey(d.message.id) === key);
    if (i < 0) return false;
    this.deferred.splice(i, 1);
    return true;
  }

  /** Remove and return the deferred requests for which `take` holds, keeping the order of the rest. */
  takeDeferred(take: (d: Deferred) => boolean): Deferred[] {
    if (this.deferred.length === 0) return [];
    const taken: Deferred[] = [];
    const kept: Deferred[] = [];
    for (const d of this.deferred) (take(d) ? taken : kept).push(d);
    this.deferred = kept;
    return taken;
  }

  // ---------------------------------------------------------------- server → host requests

  /** Register a server→host request; returns the id the host sees. */
  addServerRequest(serverId: JsonRpcId, method: string, token: unknown): number {
    const proxyId = this.nextHostId++;
    this.serverRequests.set(proxyId, { serverId, method, token });
    return proxyId;
  }

  /** Remove and return the server request the host answered. */
  takeServerRequest(proxyId: number): ServerRequest | undefined {
    const r = this.serverRequests.get(proxyId);
    if (r !== undefined) this.serverRequests.delete(proxyId);
    return r;
  }

  /** Remove the server request with this server id (the server cancelled it); returns its host-side id. */
  cancelServerRequest(serverId: unknown): number | undefined {
    if (typeof serverId === 'object') return undefined;
    for (const [proxyId, r] of this.serverRequests) {
      if (r.serverId === serverId) {
        this.serverRequests.delete(proxyId);
        return proxyId;
      }
    }
    return undefined;
  }

  /** True when a progress token the host sent belongs to a pending server→host request. */
  serverTokenKnown(token: unknown): boolean {
    for (const r of this.serverRequests.values()) if (r.token !== undefined && r.token === token) return true;
    return false;
  }

  /** The server is gone: forget every host request and deferred one; returns what was pending. */
  clearHostSide(): { pending: HostPending[]; deferred: Deferred[] } {
    const pending = [...this.pending.values()].filter((p): p is HostPending => p.origin === 'host');
    const deferred = this.deferred;
    this.pending.clear();
    this.deferred = [];
    this.hostIds.clear();
    this.progress.clear();
    this.hostPendingCount = 0;
    return { pending, deferred };
  }
}
