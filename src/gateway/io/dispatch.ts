import { type AuditRecord, BLOCKED_CODE, type BlockKind, type ParamBinding } from '../../proxy/index.js';
import type { AuditSink } from '../../proxy/io/index.js';
import { VERSION } from '../../shared/index.js';
import type { ToolFilter } from '../filter.js';
import { kindOfListMethod, LIST_OF, mergeLists, pageOf } from '../merge.js';
import type { GatewayMetrics } from '../metrics.js';
import type { Namespace } from '../namespace.js';
import { type EntryKindName, resolveName } from '../namespace.js';
import { exposeResult, type GatewayBlockKind, isRoutedMethod, routeRequest } from '../router.js';
import type { GatewayStore } from '../store/types.js';
import { driftKey, type UpstreamAnswer, type UpstreamLink } from './upstream.js';

/** The 2025 versions a legacy client may negotiate; the newest is offered otherwise. */
const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
export const MODERN_VERSION = '2026-07-28';

/** One client of the gateway: a legacy session, or one stateless 2026-07-28 request. Never shared. */
export interface ClientContext {
  id: string;
  generation: 'legacy' | 'modern';
  /** Exposed resource URIs this client subscribed to (legacy sessions). */
  subscriptions: Set<string>;
  /** Aborted when the client goes away: its in-flight upstream requests are cancelled. */
  signal: AbortSignal;
  /** Progress of this client's requests (legacy: on the request's stream). */
  progress?: (requestId: unknown, params: Record<string, unknown>) => void;
  /**
   * Ask this client a server→client request on the stream of its request `requestId` (legacy sessions
   * that declared the capability); the answer, or an error when it cannot be asked or goes away.
   */
  serverRequest?: (
    requestId: unknown,
    method: string,
    params: Record<string, unknown> | undefined,
    signal: AbortSignal,
  ) => Promise<UpstreamAnswer>;
  /** A notification (log message) on the stream of this client's request `requestId` (legacy sessions). */
  notify?: (requestId: unknown, method: string, params: Record<string, unknown> | undefined) => void;
}

/** The upstreams a dispatcher routes to, swapped as one on reload. */
export interface UpstreamTable {
  namespace: Namespace;
  links: Map<string, UpstreamLink>;
  filters: Map<string, ToolFilter>;
  pageSize: number;
  /** Shared drift flags and the store's currency gate calls in enforce mode only (as the proxy's blocks). */
  enforce: boolean;
}

const CAPABILITIES = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { listChanged: true, subscribe: true },
  completions: {},
  logging: {},
};

/**
 * The client-facing side of the gateway: one JSON-RPC request from one client in, its answer out. Lists
 * are merged from every upstream (namespaced, filtered, sorted, paginated with the gateway's own cursors);
 * targeted requests are routed by prefix to their upstream's proxy session, after the tool filter and the
 * shared drift flags (a drift any replica saw blocks the call here too) and only while the shared store
 * is current (fail closed otherwise). initialize and server/discover are answered by the gateway itself.
 */
export class Dispatcher {
  constructor(
    private table: UpstreamTable,
    private readonly store: GatewayStore,
    private readonly metrics: GatewayMetrics,
    /** Where the gateway's own decisions (filter, unknown prefix, shared drift, store down) are recorded. */
    private readonly audit: () => AuditSink,
  ) {}

  swap(table: UpstreamTable): UpstreamTable {
    const old = this.table;
    this.table = table;
    return old;
  }

  get upstreams(): UpstreamTable {
    return this.table;
  }

  /**
   * The locked `x-mcp-header` declarations of an exposed tool name (its upstream's lock entry), or
   * undefined when no upstream's lock names it (the call is refused by routing on its own).
   */
  paramBindings(exposed: string): readonly ParamBinding[] | undefined {
    const target = resolveName(this.table.namespace, exposed);
    return target === undefined
      ? undefined
      : this.table.links.get(target.upstream)?.paramBindings(target.name);
  }

  async handle(
    client: ClientContext,
    id: unknown,
    method: string,
    params: Record<string, unknown>,
  ): Promise<UpstreamAnswer> {
    this.metrics.request(method, client.generation);
    const answer = await this.answer(client, id, method, params);
    if ('error' in answer && answer.error.code === BLOCKED_CODE) {
      const data = answer.error.data as { kind?: unknown; server?: unknown } | undefined;
      this.metrics.blocked(String(data?.server ?? 'gateway'), String(data?.kind ?? 'unknown'));
    }
    if (client.generation === 'modern' && 'result' in answer)
      return {
        result: {
          ...answer.result,
          resultType: 'complete',
          ...(kindOfListMethod(method) === undefined ? {} : { ttlMs: 0, cacheScope: 'private' }),
        },
      };
    return answer;
  }

  private async answer(
    client: ClientContext,
    id: unknown,
    method: string,
    params: Record<string, unknown>,
  ): Promise<UpstreamAnswer> {
    switch (method) {
      case 'initialize': {
        const asked = params.protocolVersion;
        const version =
          typeof asked === 'string' && LEGACY_VERSIONS.includes(asked) ? asked : LEGACY_VERSIONS[0];
        return {
          result: {
            protocolVersion: version,
            capabilities: CAPABILITIES,
            serverInfo: { name: 'capseal-gateway', version: VERSION },
          },
        };
      }
      case 'server/discover':
        return {
          result: {
            supportedVersions: [MODERN_VERSION],
            capabilities: CAPABILITIES,
            ttlMs: 0,
            cacheScope: 'private',
            _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'capseal-gateway', version: VERSION } },
          },
        };
      case 'ping':
      case 'logging/setLevel':
        return { result: {} };
    }
    const kind = kindOfListMethod(method);
    if (kind !== undefined) return this.mergedList(kind, params.cursor);
    if (isRoutedMethod(method)) return this.routed(client, id, method, params);
    return { error: { code: -32601, message: `Method not found: ${method}` } };
  }

  private async mergedList(kind: EntryKindName, cursor: unknown): Promise<UpstreamAnswer> {
    const { links, namespace, filters, pageSize } = this.table;
    const lists = await Promise.all(
      [...links.values()].map(async (link) => {
        const got = await link.list(kind);
        return { upstream: link.name, items: 'items' in got ? got.items : [] };
      }),
    );
    const merged = mergeLists(kind, lists, namespace, (u) => filters.get(u) ?? (() => false));
    const page = pageOf(merged, cursor, pageSize);
    if (!page.ok) return { error: { code: -32602, message: `Invalid params: ${page.reason}` } };
    const field = LIST_OF[kind].field;
    return {
      result: {
        [field]: page.items,
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      },
    };
  }

  private async routed(
    client: ClientContext,
    id: unknown,
    method: string,
    params: Record<string, unknown>,
  ): Promise<UpstreamAnswer> {
    const { links, namespace, filters } = this.table;
    const route = routeRequest(namespace, method, params, (u) => (links.has(u) ? filters.get(u) : undefined));
    if (route.kind === 'refuse') {
      const data = route.error.data as { kind: string; reason: string; target?: string };
      this.record(client, method, data.target, data.kind, data.reason, undefined);
      return { error: route.error };
    }
    const link = links.get(route.upstream) as UpstreamLink;
    const blocked = (kind: GatewayBlockKind | BlockKind, reason: string): UpstreamAnswer => {
      this.record(client, method, route.target, kind, reason, route.upstream);
      return {
        error: {
          code: BLOCKED_CODE,
          message: `capseal: ${reason}`,
          data: { reason, kind, server: route.upstream, method, target: route.target },
        },
      };
    };
    if (this.table.enforce && !this.store.ready())
      return blocked('store-unavailable', 'the shared state store is unreachable; calls fail closed');
    const entryKind: EntryKindName | undefined =
      method === 'tools/call' ? 'tools' : method === 'prompts/get' ? 'prompts' : undefined;
    const own = resolveName(namespace, route.target)?.name;
    if (this.table.enforce && entryKind !== undefined && own !== undefined) {
      let drift: string | undefined;
      try {
        drift = await this.store.driftConfirmed(driftKey(link.stateScope, entryKind, own));
      } catch {
        return blocked('store-unavailable', 'the shared state store is unreachable; calls fail closed');
      }
      if (drift !== undefined)
        return blocked('changed', `${route.target} drifted from the lockfile (${drift})`);
    }
    if (method === 'resources/subscribe') client.subscriptions.add(route.target);
    if (method === 'resources/unsubscribe') client.subscriptions.delete(route.target);
    const started = performance.now();
    const { serverRequest, notify } = client;
    const answer = await link.request(method, route.params, {
      signal: client.signal,
      ...(client.progress === undefined ? {} : { onProgress: (p) => client.progress?.(id, p) }),
      ...(serverRequest === undefined
        ? {}
        : { onServerRequest: (m, p) => serverRequest(id, m, p, client.signal) }),
      ...(notify === undefined ? {} : { onServerNotification: (m, p) => notify(id, m, p) }),
    });
    this.metrics.latency(route.upstream, method, (performance.now() - started) / 1000);
    if ('error' in answer) {
      const data = answer.error.data as Record<string, unknown> | undefined;
      // The session names its server by the upstream name already; the target goes out as the client sent it.
      if (answer.error.code === BLOCKED_CODE && data !== undefined)
        return { error: { ...answer.error, data: { ...data, target: route.target } } };
      return answer;
    }
    return { result: exposeResult(namespace, route.upstream, method, answer.result) };
  }

  private record(
    client: ClientContext,
    method: string,
    target: string | undefined,
    kind: string,
    reason: string,
    upstream: string | undefined,
  ): void {
    this.audit().write([
      {
        time: new Date().toISOString(),
        session: client.id,
        direction: 'host→server',
        method,
        ...(target === undefined ? {} : { target }),
        decision: 'block',
        reason,
        kind,
        ...(upstream === undefined ? {} : { upstream }),
      } as AuditRecord,
    ]);
  }
}
