import { randomUUID } from 'node:crypto';
import {
  ANONYMOUS_CONTEXT,
  type AuditRecord,
  type JsonRpcMessage,
  lockedParamBindings,
  type ProxyLimits,
  type ProxyMode,
  ProxySession,
  SERVER_GONE_CODE,
  type StateScope,
  stateKey,
} from '../../proxy/index.js';
import {
  type AuditSink,
  type Endpoint,
  type EndpointSink,
  runRelay,
  stdioServerEndpoint,
} from '../../proxy/io/index.js';
import { errorMessage, type Logger, VERSION } from '../../shared/index.js';
import { kindOfListMethod, LIST_OF } from '../merge.js';
import type { EntryKindName } from '../namespace.js';
import type { GatewayStore } from '../store/types.js';
import type { PreparedUpstream } from '../types.js';

/** A JSON-RPC response as the gateway hands it on: a result or an error object. */
export type UpstreamAnswer =
  | { result: Record<string, unknown> }
  | { error: { code: number; message: string; data?: unknown } };

export type UpstreamState = 'starting' | 'up' | 'down' | 'stopped';

export interface RequestOptions {
  /** Aborted when the client disconnects or cancels: the upstream request is cancelled. */
  signal?: AbortSignal;
  /** Progress notifications of this request (params with the client's own token restored). */
  onProgress?: (params: Record<string, unknown>) => void;
  /**
   * A server→client request (sampling/createMessage, elicitation/create) the upstream sent while this was
   * its only request in flight: the client's answer goes back to the upstream. Absent: refused (-32601).
   */
  onServerRequest?: (method: string, params: Record<string, unknown> | undefined) => Promise<UpstreamAnswer>;
  /** A log message (notifications/message) the upstream sent while this was its only request in flight. */
  onServerNotification?: (method: string, params: Record<string, unknown> | undefined) => void;
}

/** Server→client requests relayed to the client whose request is in flight (the rest answered here). */
const RELAYED_REQUESTS: ReadonlySet<string> = new Set(['sampling/createMessage', 'elicitation/create']);

export interface UpstreamLinkOptions {
  upstream: PreparedUpstream;
  mode: ProxyMode;
  limits: ProxyLimits;
  logger: Logger;
  audit: AuditSink;
  env: NodeJS.ProcessEnv;
  store: GatewayStore;
  restart: { initialMs: number; maxMs: number };
  /** Server→client notifications other than progress and log messages (list_changed, resources/updated). */
  onNotification: (upstream: string, method: string, params: Record<string, unknown> | undefined) => void;
  /** Called on every state change (readiness, metrics). */
  onState: (upstream: string, state: UpstreamState) => void;
  onRestart: (upstream: string) => void;
  /** Protocol version the gateway speaks to upstreams (a 2025 session each). */
  protocolVersion?: string;
}

/**
 * The store key of one entry's drift flag: the upstream, the generation the gateway speaks to it and the
 * caller's authorization context (ANONYMOUS_CONTEXT until identities exist), then the kind and the
 * entry's own key (stateKey).
 */
export function driftKey(scope: StateScope, kind: EntryKindName, key: string): string {
  return stateKey(scope, `drift:${kind}`, key);
}

const CLIENT_INFO = { name: 'capseal-gateway', version: VERSION };
const MODERN = '2026-07-28';

/** A 2026-07-28 request's params: the per-request `_meta` envelope the gateway sends as the client. */
function withEnvelope(params: Record<string, unknown> | undefined): Record<string, unknown> {
  const meta = (params?._meta as Record<string, unknown> | undefined) ?? {};
  return {
    ...params,
    _meta: {
      ...meta,
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
      'io.modelcontextprotocol/clientCapabilities': {},
    },
  };
}

/** The entry kind a gated call names (its drift flags are shared). */
const CALLED_KIND: Readonly<Record<string, EntryKindName>> = {
  'tools/call': 'tools',
  'prompts/get': 'prompts',
};

interface Pending {
  resolve: (answer: UpstreamAnswer) => void;
  progressToken?: string | number;
  onProgress?: (params: Record<string, unknown>) => void;
  onServerRequest?: RequestOptions['onServerRequest'];
  onServerNotification?: RequestOptions['onServerNotification'];
}

/**
 * One upstream behind the gateway: a `capseal proxy` session (ProxySession + runRelay, the very decision
 * core of `capseal proxy`) whose host side is the gateway itself. The gateway is the upstream's only
 * host: it runs the 2025 handshake once, then every client request is one host request of that session
 * (fresh ids; the client's progress token replaced by one of ours), so verification and drift state are
 * per upstream and shared by every client, while pending requests stay each client's own. Supervised: when
 * the server exits or becomes unreachable, pending requests get the proxy's server-gone error, requests
 * while down get it at once, and the upstream is restarted with doubling backoff. Audit records carry the
 * upstream's name; drift the session sees (`changed`) is marked in the shared store, sticky everywhere.
 */
export class UpstreamLink {
  readonly name: string;
  /** The locked `x-mcp-header` declarations of a tool by its upstream name (undefined: not locked). */
  readonly paramBindings: ReturnType<typeof lockedParamBindings>;
  state: UpstreamState = 'starting';
  /** The handshake succeeded and the first tools list passed through verification at least once. */
  verified = false;
  private sink: EndpointSink | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly lists = new Map<EntryKindName, Record<string, unknown>[]>();
  private downReason = 'starting';
  private backoff: number;
  private timer: NodeJS.Timeout | undefined;
  private stopRelay: AbortController | undefined;
  private relayDone: Promise<unknown> = Promise.resolve();
  /** Capabilities from the upstream's initialize result. */
  capabilities: Record<string, unknown> = {};

  /** The upstream was locked as a 2026-07-28-only server: the gateway speaks that generation to it. */
  private readonly modern: boolean;
  /** The id of the gateway's own subscriptions/listen to a 2026-07-28 upstream, while open. */
  private listenId: number | undefined;
  /** Whose verification this link's shared state is (see stateKey). */
  readonly stateScope: StateScope;

  constructor(private readonly options: UpstreamLinkOptions) {
    this.name = options.upstream.name;
    this.paramBindings = lockedParamBindings(options.upstream.entry.tools);
    const g = options.upstream.entry.generations;
    this.modern = g?.modern !== undefined && g.legacy === undefined;
    this.stateScope = {
      upstream: this.name,
      generation: this.modern ? 'modern' : 'legacy',
      authorization: ANONYMOUS_CONTEXT,
    };
    this.backoff = options.restart.initialMs;
  }

  /** Start (or restart) the upstream; resolves after the handshake (or its failure, then retried). */
  async start(): Promise<void> {
    if (this.state === 'stopped') return;
    this.setState('starting');
    const { upstream, logger } = this.options;
    let server: Endpoint;
    try {
      server = await this.serverEndpoint();
    } catch (error) {
      this.down(`cannot start: ${errorMessage(error)}`);
      return;
    }
    const session = new ProxySession({
      sessionId: `${this.name}-${randomUUID()}`,
      serverName: this.name,
      entry: upstream.entry,
      mode: this.options.mode,
      limits: this.options.limits,
      normalizers: upstream.normalizers,
      ...(upstream.policy ? { policy: upstream.policy } : {}),
      ...(upstream.resultPolicy ? { resultPolicy: upstream.resultPolicy } : {}),
      allowMethods: upstream.allowMethods,
      recordAllowed: true,
    });
    const started = new Promise<void>((resolve) => {
      const host: Endpoint = {
        start: async (sink) => {
          this.sink = sink;
          resolve();
        },
        send: (messages) => this.fromSession(messages),
        close: async () => {
          this.sink = undefined;
        },
      };
      const controller = new AbortController();
      this.stopRelay = controller;
      this.relayDone = runRelay({
        session,
        host,
        server,
        logger,
        audit: this.auditSink(),
        signal: controller.signal,
      }).then((result) => {
        this.sink = undefined;
        resolve();
        this.down(result.reason);
      });
    });
    await started;
    if (this.sink === undefined) return;
    const init = this.modern
      ? await this.request('server/discover', {})
      : await this.request('initialize', {
          protocolVersion: this.options.protocolVersion ?? '2025-11-25',
          capabilities: {},
          clientInfo: CLIENT_INFO,
        });
    if ('error' in init) {
      logger.warn(`${this.modern ? 'server/discover' : 'initialize'} failed: ${init.error.message}`);
      this.stopRelay?.abort();
      return;
    }
    const caps = init.result.capabilities;
    this.capabilities = typeof caps === 'object' && caps !== null ? (caps as Record<string, unknown>) : {};
    if (!this.modern) this.notify('notifications/initialized', undefined);
    this.lists.clear();
    this.setState('up');
    this.backoff = this.options.restart.initialMs;
    if (this.capabilities.tools !== undefined) await this.list('tools');
    this.verified = true;
    this.options.onState(this.name, this.state);
    if (this.modern && this.state === 'up') this.openListen();
  }

  private async serverEndpoint(): Promise<Endpoint> {
    const { upstream, logger, env } = this.options;
    if (upstream.transport.kind === 'http') {
      const { httpUpstreamEndpoint } = await import('../../proxy/io/http-upstream.js');
      return httpUpstreamEndpoint({ ...upstream.transport.spec, paramBindings: this.paramBindings }, logger);
    }
    const sandbox = await upstream.launch?.();
    return stdioServerEndpoint(upstream.transport.spec, {
      env,
      logger,
      ...(sandbox === undefined ? {} : { sandbox }),
    });
  }

  private auditSink(): AuditSink {
    const { audit, store } = this.options;
    const upstream = this.name;
    return {
      write: (records) => {
        for (const r of records) this.markDrift(r, store);
        audit.write(records.map((r) => ({ ...r, upstream }) as AuditRecord));
      },
      close() {},
    };
  }

  /** Drift the session saw in a list (an entry listed with another digest) is sticky on every replica. */
  private markDrift(record: AuditRecord, store: GatewayStore): void {
    const mark = (kind: EntryKindName, key: string) =>
      store
        .markDrifted(driftKey(this.stateScope, kind, key), `${key} changed`)
        .catch((e: unknown) => this.options.logger.warn(`drift flag not stored: ${errorMessage(e)}`));
    const called = Object.hasOwn(CALLED_KIND, record.method) ? CALLED_KIND[record.method] : undefined;
    if (called !== undefined && record.kind === 'changed' && record.target !== undefined)
      mark(called, record.target);
    const kind = kindOfListMethod(record.method);
    if (kind === undefined || record.removed === undefined) return;
    for (const r of record.removed) if (r.kind === 'changed') mark(kind, r.key);
  }

  private setState(state: UpstreamState): void {
    if (this.state === 'stopped') return;
    this.state = state;
    this.options.onState(this.name, state);
  }

  private down(reason: string): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.resolve(this.goneAnswer(reason));
    }
    this.lists.clear();
    this.verified = false;
    this.downReason = reason;
    if (this.state === 'stopped') return;
    this.setState('down');
    this.options.logger.warn(`upstream down (${reason}); restarting in ${this.backoff} ms`);
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.options.restart.maxMs);
    this.timer = setTimeout(() => {
      this.options.onRestart(this.name);
      void this.start();
    }, delay);
    this.timer.unref();
  }

  private goneAnswer(reason: string): UpstreamAnswer {
    return {
      error: {
        code: SERVER_GONE_CODE,
        message: 'capseal: server exited',
        data: { reason, server: this.name },
      },
    };
  }

  /** What the session decided to send the host (the gateway): answers, server requests, notifications. */
  private fromSession(messages: readonly JsonRpcMessage[]): void {
    for (const m of messages) {
      if ('method' in m) {
        if ('id' in m) this.answerServerRequest(m.id, m.method, m.params);
        else this.fromNotification(m.method, m.params);
        continue;
      }
      if (typeof m.id !== 'number') continue;
      const p = this.pending.get(m.id);
      if (p === undefined) continue;
      this.pending.delete(m.id);
      p.resolve('error' in m ? { error: m.error } : { result: m.result });
    }
  }

  /**
   * The one request in flight on this upstream, if there is exactly one. The upstream's session is shared
   * by every client and a server→client message names no request it belongs to, so it is attributed to a
   * client only when no other request could be the one it serves; with two or more in flight (or none) it
   * is not relayed at all.
   */
  private soleInFlight(): Pending | undefined {
    // The gateway's own listen stream is not a client's request.
    const listening = this.listenId !== undefined && this.pending.has(this.listenId) ? 1 : 0;
    if (this.pending.size - listening !== 1) return undefined;
    for (const [id, p] of this.pending) if (id !== this.listenId) return p;
    return undefined;
  }

  /**
   * A 2026-07-28 upstream announces list changes only on a `subscriptions/listen` stream: the gateway keeps
   * one open while the upstream is up (through the session like any request, so its notifications are
   * mapped, re-verified and fanned out as a 2025 upstream's are). It ends with the upstream; a stream the
   * upstream ends on its own is reopened after the restart backoff while the upstream stays up.
   */
  private openListen(): void {
    const caps = this.capabilities;
    const changes = (name: string) => {
      const c = caps[name];
      return typeof c === 'object' && c !== null && (c as { listChanged?: unknown }).listChanged === true;
    };
    const notifications: Record<string, boolean> = {};
    if (changes('tools')) notifications.toolsListChanged = true;
    if (changes('prompts')) notifications.promptsListChanged = true;
    if (changes('resources')) notifications.resourcesListChanged = true;
    if (Object.keys(notifications).length === 0) return;
    const id = this.nextId;
    this.listenId = id;
    void this.request('subscriptions/listen', { notifications }).then((answer) => {
      if (this.listenId === id) this.listenId = undefined;
      if (this.state !== 'up') return;
      if ('error' in answer) {
        this.options.logger.warn(
          `subscriptions/listen refused: ${answer.error.message}; no change notifications`,
        );
        return;
      }
      const timer = setTimeout(() => {
        if (this.state === 'up' && this.listenId === undefined) this.openListen();
      }, this.options.restart.initialMs);
      timer.unref();
    });
  }

  /**
   * Server→client requests: sampling and elicitation go to the client whose request is the only one in
   * flight (see soleInFlight), when it can take them; the gateway answers ping and roots/list (empty)
   * itself; everything else is refused.
   */
  private answerServerRequest(
    id: unknown,
    method: string,
    params: Record<string, unknown> | undefined,
  ): void {
    const sink = this.sink;
    const relay = RELAYED_REQUESTS.has(method) ? this.soleInFlight()?.onServerRequest : undefined;
    if (relay !== undefined) {
      void relay(method, params).then((answer) => {
        // An answer for a session that has since ended (restart) is not sent to its successor.
        if (this.sink === sink) sink?.message({ jsonrpc: '2.0', id, ...answer });
      });
      return;
    }
    const answer =
      method === 'ping'
        ? { result: {} }
        : method === 'roots/list'
          ? { result: { roots: [] } }
          : { error: { code: -32601, message: `capseal gateway: ${method} is not relayed to clients` } };
    this.sink?.message({ jsonrpc: '2.0', id, ...answer });
  }

  private fromNotification(method: string, params: Record<string, unknown> | undefined): void {
    if (method === 'notifications/progress') {
      const token = params?.progressToken;
      const id = typeof token === 'string' && token.startsWith('gw-') ? Number(token.slice(3)) : Number.NaN;
      const p = this.pending.get(id);
      if (p?.onProgress !== undefined && p.progressToken !== undefined)
        p.onProgress({ ...params, progressToken: p.progressToken });
      return;
    }
    if (method === 'notifications/message') {
      this.soleInFlight()?.onServerNotification?.(method, params);
      return;
    }
    for (const [kind, list] of Object.entries(LIST_OF))
      if (method === `notifications/${list.method.split('/')[0]}/list_changed`) {
        this.lists.delete(kind as EntryKindName);
        if (kind === 'resources') this.lists.delete('resourceTemplates');
      }
    this.options.onNotification(this.name, method, params);
  }

  /**
   * Send one request through the upstream's session and wait for its answer: the session's decision (a
   * block), the server's, or server-gone when the upstream is down or goes away meanwhile.
   */
  request(
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions = {},
  ): Promise<UpstreamAnswer> {
    const sink = this.sink;
    if (
      sink === undefined ||
      (this.state !== 'up' && method !== 'initialize' && method !== 'server/discover')
    )
      return Promise.resolve(
        this.goneAnswer(this.state === 'starting' ? 'upstream is starting' : this.downReason),
      );
    const id = this.nextId++;
    return new Promise<UpstreamAnswer>((resolve) => {
      const entry: Pending = {
        resolve,
        ...(options.onServerRequest === undefined ? {} : { onServerRequest: options.onServerRequest }),
        ...(options.onServerNotification === undefined
          ? {}
          : { onServerNotification: options.onServerNotification }),
      };
      let sent = this.modern ? withEnvelope(params) : params;
      const meta = sent?._meta as Record<string, unknown> | undefined;
      const token = meta?.progressToken;
      if ((typeof token === 'string' || typeof token === 'number') && options.onProgress !== undefined) {
        entry.progressToken = token;
        entry.onProgress = options.onProgress;
        sent = { ...sent, _meta: { ...meta, progressToken: `gw-${id}` } };
      }
      this.pending.set(id, entry);
      const { signal } = options;
      if (signal !== undefined) {
        const onAbort = () => {
          if (!this.pending.delete(id)) return;
          this.sink?.message({
            jsonrpc: '2.0',
            method: 'notifications/cancelled',
            params: { requestId: id, reason: 'client went away' },
          });
          resolve({ error: { code: -32800, message: 'request cancelled' } });
        };
        if (signal.aborted) return void queueMicrotask(onAbort);
        signal.addEventListener('abort', onAbort, { once: true });
        const done = entry.resolve;
        entry.resolve = (a) => {
          signal.removeEventListener('abort', onAbort);
          done(a);
        };
      }
      sink.message({ jsonrpc: '2.0', id, method, ...(sent === undefined ? {} : { params: sent }) });
    });
  }

  notify(method: string, params: Record<string, unknown> | undefined): void {
    this.sink?.message({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) });
  }

  /**
   * The upstream's full list of one kind, every page, as its session let it through; cached until the
   * upstream announces list_changed or restarts. An error answer (a block, server gone) is returned as is.
   */
  async list(kind: EntryKindName): Promise<{ items: Record<string, unknown>[] } | { error: UpstreamAnswer }> {
    const cached = this.lists.get(kind);
    if (cached !== undefined) return { items: cached };
    const { method, field } = LIST_OF[kind];
    const items: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < this.options.limits.pageCap; page++) {
      const answer = await this.request(method, cursor === undefined ? undefined : { cursor });
      if ('error' in answer) return { error: answer };
      const got = answer.result[field];
      if (Array.isArray(got))
        for (const item of got) if (typeof item === 'object' && item !== null) items.push(item);
      const next = answer.result.nextCursor;
      if (typeof next !== 'string' || next === '') {
        if (this.state === 'up') this.lists.set(kind, items);
        return { items };
      }
      cursor = next;
    }
    return {
      error: {
        error: {
          code: -32011,
          message: `capseal: ${method} of ${this.name} exceeds ${this.options.limits.pageCap} pages`,
        },
      },
    };
  }

  /** Stop for good: no restart; pending requests get server-gone. */
  async stop(): Promise<void> {
    this.state = 'stopped';
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.stopRelay?.abort();
    await this.relayDone;
  }

  /** Requests this link waits for (drain). */
  get inFlight(): number {
    return this.pending.size;
  }
}
