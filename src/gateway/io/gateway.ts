import { DEFAULT_PROXY_LIMITS, type ProxyLimits } from '../../proxy/index.js';
import { type AuditSink, nullAuditSink, openAuditLog } from '../../proxy/io/index.js';
import { errorMessage, type Logger } from '../../shared/index.js';
import { GatewayMetrics } from '../metrics.js';
import { exposeNotification } from '../router.js';
import { createStore, type GatewayStore } from '../store/index.js';
import type { PreparedGateway } from '../types.js';
import { Dispatcher, type UpstreamTable } from './dispatch.js';
import { type HttpFront, listenGateway } from './http.js';
import { UpstreamLink } from './upstream.js';

/** The store channel of change notifications shared between replicas. */
const CHANGES_CHANNEL = 'changes';
/** The upstream notifications every client of every replica may need (list changes, resource updates). */
const FANNED_OUT: ReadonlySet<string> = new Set([
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/resources/list_changed',
  'notifications/resources/updated',
]);

/** A change from the shared channel, or undefined when it is not one this gateway publishes. */
function parseChange(
  text: string,
): { method: string; params: Record<string, unknown> | undefined } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { method, params } = value as { method?: unknown; params?: unknown };
  if (typeof method !== 'string' || !FANNED_OUT.has(method)) return undefined;
  if (params !== null && (typeof params !== 'object' || Array.isArray(params))) return undefined;
  return { method, params: params === null ? undefined : (params as Record<string, unknown>) };
}

export interface GatewayOptions {
  /** Prepare (or re-prepare, on reload) the gateway: the engine's prepareGateway, injected. */
  prepare: () => Promise<PreparedGateway>;
  /** The first preparation, already done (so start-up errors surface before anything listens). */
  prepared: PreparedGateway;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Shared state given by the caller (tests); else built from the config's `store` and closed on close. */
  store?: GatewayStore;
  limits?: ProxyLimits;
  /** How long a shutdown waits for in-flight calls. */
  drainMs?: number;
}

export interface RunningGateway {
  url: string;
  metrics: GatewayMetrics;
  /** Re-read the config; a bad one is rejected (its reasons logged and returned) and the old one keeps serving. */
  reload(): Promise<{ ok: true } | { ok: false; reasons: string[] }>;
  /** Every required upstream verified and up, and the store current. */
  ready(): boolean;
  /** Graceful: stop accepting, drain in-flight calls, stop the upstreams. */
  close(): Promise<void>;
  /** The upstream links (tests, operations). */
  links(): ReadonlyMap<string, UpstreamLink>;
  /** Open legacy sessions (tests, operations). */
  sessions(): number;
  /** Open 2026-07-28 `subscriptions/listen` streams (tests, operations). */
  listens(): number;
}

/**
 * The single-process gateway: every prepared upstream started and supervised behind one HTTP endpoint.
 * Upstreams start in parallel; the endpoint listens first, answering /readyz false until each required
 * upstream has verified. A reload prepares the new config fully (the whole pre-flight) before anything is
 * swapped: a failure leaves the running gateway untouched; a success starts the new upstreams, swaps the
 * routing table in one step and stops the old upstreams after their in-flight calls.
 */
export async function runGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { logger } = options;
  const metrics = new GatewayMetrics();
  const ownStore = options.store === undefined;
  const store = options.store ?? createStore(options.prepared.config.store, { logger });
  const limits = options.limits ?? DEFAULT_PROXY_LIMITS;
  let prepared = options.prepared;
  let audit: AuditSink = prepared.auditLog === undefined ? nullAuditSink : openAuditLog(prepared.auditLog);
  let front: HttpFront | undefined;

  /** One change notification to this replica's clients (resources/updated: only to its subscribers). */
  const deliverChange = (method: string, exposed: Record<string, unknown> | undefined) => {
    if (method === 'notifications/resources/updated') {
      const uri = exposed?.uri;
      front?.broadcast(method, exposed, (c) => typeof uri === 'string' && c.subscriptions.has(uri));
    } else front?.broadcast(method, undefined);
  };
  /**
   * A change an upstream announced, fanned out through the store to every replica sharing it (this one
   * included: the store delivers our own messages back, in memory at once). Exposed names only: replicas
   * share the config. When the store cannot take it, this replica's clients still get it.
   */
  const announce = (method: string, exposed: Record<string, unknown> | undefined) => {
    store
      .publish(CHANGES_CHANNEL, JSON.stringify({ method, params: exposed ?? null }))
      .catch((e: unknown) => {
        logger.warn(`change not fanned out to other replicas: ${errorMessage(e)}`);
        deliverChange(method, exposed);
      });
  };
  const stopFanOut = await store.subscribe(CHANGES_CHANNEL, (text) => {
    const change = parseChange(text);
    if (change === undefined) logger.warn('ignored a malformed change on the shared channel');
    else deliverChange(change.method, change.params);
  });

  const buildTable = (p: PreparedGateway): UpstreamTable => {
    const links = new Map<string, UpstreamLink>();
    for (const up of p.upstreams)
      links.set(
        up.name,
        new UpstreamLink({
          upstream: up,
          mode: p.config.mode,
          limits,
          logger: prefixed(logger, up.name),
          audit,
          env: options.env,
          store,
          restart: p.config.restart,
          onNotification: (upstream, method, params) => {
            if (!FANNED_OUT.has(method)) return;
            announce(method, exposeNotification(p.namespace, upstream, method, params));
          },
          onState: (upstream, state) => {
            const link = dispatcher?.upstreams.links.get(upstream);
            metrics.upstreamState(upstream, state === 'up', link?.verified === true);
          },
          onRestart: (upstream) => metrics.restarted(upstream),
        }),
      );
    return {
      namespace: p.namespace,
      links,
      filters: new Map(p.upstreams.map((u) => [u.name, u.filter])),
      pageSize: p.config.pageSize,
      enforce: p.config.mode === 'enforce',
    };
  };

  let dispatcher: Dispatcher | undefined;
  const table = buildTable(prepared);
  dispatcher = new Dispatcher(table, store, metrics, () => audit);
  const d = dispatcher;
  const ready = () =>
    store.ready() &&
    prepared.upstreams.every((u) => {
      const link = d.upstreams.links.get(u.name);
      return !u.required || (link?.state === 'up' && link.verified);
    });
  const { listen } = prepared.config;
  front = await listenGateway({
    host: listen.host,
    port: listen.port,
    path: listen.path,
    ...(prepared.token === undefined ? {} : { token: prepared.token }),
    allowHosts: listen.allowHosts,
    logger,
    dispatcher: d,
    readiness: () => ({
      ready: ready(),
      detail: {
        store: store.ready(),
        upstreams: Object.fromEntries(
          [...d.upstreams.links.values()].map((l) => [l.name, { state: l.state, verified: l.verified }]),
        ),
      },
    }),
    metrics: () => metrics.render(),
    sessionIdleMs: () => prepared.config.sessions.idleMs,
  });
  await Promise.all([...table.links.values()].map((l) => l.start()));
  const http = front;

  return {
    url: http.url,
    metrics,
    ready,
    links: () => d.upstreams.links,
    sessions: () => http.sessions,
    listens: () => http.listens,
    async reload() {
      let next: PreparedGateway;
      try {
        next = await options.prepare();
      } catch (error) {
        const details = (error as { details?: readonly string[] }).details ?? [];
        const reasons = [errorMessage(error), ...details];
        logger.warn(`reload rejected; the running configuration keeps serving: ${reasons.join('; ')}`);
        return { ok: false, reasons };
      }
      const l = next.config.listen;
      if (l.host !== listen.host || l.port !== listen.port || l.path !== listen.path)
        logger.warn('reload: listen changes take effect on restart only');
      const oldAudit = audit;
      audit = next.auditLog === undefined ? nullAuditSink : openAuditLog(next.auditLog);
      const nextTable = buildTable(next);
      await Promise.all([...nextTable.links.values()].map((link) => link.start()));
      const old = d.swap(nextTable);
      prepared = next;
      logger.info(`reloaded ${next.configPath}: ${next.upstreams.map((u) => u.name).join(', ')}`);
      http.broadcast('notifications/tools/list_changed', undefined);
      await drainLinks(old, options.drainMs ?? 10_000);
      await Promise.all([...old.links.values()].map((link) => link.stop()));
      oldAudit.close();
      return { ok: true };
    },
    async close() {
      await http.close(options.drainMs ?? 10_000);
      await Promise.all([...d.upstreams.links.values()].map((link) => link.stop()));
      audit.close();
      await stopFanOut().catch(() => {});
      if (ownStore) await store.close();
    },
  };
}

async function drainLinks(table: UpstreamTable, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  const busy = () => [...table.links.values()].some((l) => l.inFlight > 0);
  while (busy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
}

function prefixed(inner: Logger, name: string): Logger {
  return {
    info: (m) => inner.info(`${name}: ${m}`),
    warn: (m) => inner.warn(`${name}: ${m}`),
    debug: (m) => inner.debug(`${name}: ${m}`),
  };
}
