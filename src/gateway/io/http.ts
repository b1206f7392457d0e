import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { checkCallParams, checkModernHeaders, isModernHeader } from '../../proxy/index.js';
import { CapsealError, errorMessage, type Logger, VERSION } from '../../shared/index.js';
import type { ClientContext, Dispatcher } from './dispatch.js';
import type { UpstreamAnswer } from './upstream.js';

/** Largest POST body accepted. */
const BODY_CAP = 16 * 1024 * 1024;
/** Legacy sessions kept at most (each holds one SDK transport); one more initialize is refused with 503. */
const MAX_SESSIONS = 10_000;
/** Open `subscriptions/listen` streams kept at most; one more is answered -32603. */
const MAX_LISTENS = 10_000;
/** A comment line on every listen stream this often, so idle proxies and load balancers keep it open. */
const LISTEN_KEEPALIVE_MS = 15_000;
const LISTEN_METHOD = 'subscriptions/listen';
/** The `_meta` key naming the listen request a stream message belongs to (2026-07-28). */
const SUBSCRIPTION_ID_META = 'io.modelcontextprotocol/subscriptionId';
/** The filter flag of each list_changed notification a listen may ask for. */
const LIST_CHANGED_FLAG: Readonly<Record<string, string>> = {
  'notifications/tools/list_changed': 'toolsListChanged',
  'notifications/prompts/list_changed': 'promptsListChanged',
  'notifications/resources/list_changed': 'resourcesListChanged',
};

/** One open `subscriptions/listen` stream of a 2026-07-28 client: its own context, its own filter. */
interface Listen {
  client: ClientContext;
  /** The filter the gateway agreed to honor (sent back in the acknowledgement). */
  honored: Record<string, unknown>;
  /** Write one notification on the stream, tagged with the subscription id. */
  write(method: string, params: Record<string, unknown> | undefined): void;
  /** End the stream with the listen's result (shutdown). */
  end(): void;
}

export interface HttpFrontOptions {
  host: string;
  port: number;
  path: string;
  token?: string;
  allowHosts: readonly string[];
  logger: Logger;
  dispatcher: Dispatcher;
  /** /readyz: ready, and why not. */
  readiness: () => { ready: boolean; detail: Record<string, unknown> };
  metrics: () => string;
  /**
   * How long a legacy session may stay idle (no request received, none being answered) before it is
   * closed; 0 = never. Read at every reset, so a reload applies to the next one.
   */
  sessionIdleMs?: () => number;
}

interface LegacySession {
  transport: StreamableHTTPServerTransport;
  client: ClientContext;
  controller: AbortController;
  /** Requests of this session whose answer is still being written (POSTs; the GET stream is not one). */
  busy: number;
  /** The idle timer, armed while the session has nothing in progress. */
  idle?: NodeJS.Timeout;
}

export interface HttpFront {
  url: string;
  /** Send a notification to every legacy session (list_changed), or to those `filter` selects. */
  broadcast(
    method: string,
    params: Record<string, unknown> | undefined,
    filter?: (c: ClientContext) => boolean,
  ): void;
  /** Requests being answered right now (drain). */
  readonly inFlight: number;
  readonly sessions: number;
  /** Open `subscriptions/listen` streams. */
  readonly listens: number;
  /** Stop accepting; wait up to `graceMs` for in-flight requests, then cut every connection. */
  close(graceMs: number): Promise<void>;
}

function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(
    createHash('sha256').update(given).digest(),
    createHash('sha256').update(expected).digest(),
  );
}

/** The client capability each relayed server→client request needs. */
const SERVER_REQUEST_CAPABILITY: Readonly<Record<string, string>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isLoopback = (h: string) => h === 'localhost' || h === '::1' || h.startsWith('127.');

/**
 * The gateway's one HTTP endpoint (node:http): `path` serves MCP for both generations, /healthz, /readyz
 * and /metrics serve operations. A POST with a 2026-07-28 `MCP-Protocol-Version` (and no session) is one
 * stateless exchange: its headers checked against its body (HeaderMismatch, HTTP 400), answered as JSON.
 * Anything else is a 2025 session: `initialize` without `Mcp-Session-Id` opens one (its own SDK
 * transport, its own client context: ids, subscriptions, pending requests are never shared), an unknown
 * session id is 404, DELETE ends the session and cancels its in-flight upstream requests. Host/Origin are
 * checked against the bound address and `allowHosts` (DNS rebinding), then the bearer token when set.
 */
export async function listenGateway(options: HttpFrontOptions): Promise<HttpFront> {
  const { logger, dispatcher } = options;
  const sessions = new Map<string, LegacySession>();
  const listens = new Set<Listen>();
  let inFlight = 0;
  let bound = options.port;
  let closing = false;
  const shown = options.host.includes(':') ? `[${options.host}]` : options.host;
  const hostNames = () =>
    [
      ...(isLoopback(options.host) ? [`127.0.0.1:${bound}`, `localhost:${bound}`, `[::1]:${bound}`] : []),
      `${shown}:${bound}`,
      ...options.allowHosts.map((h) => (/:\d+$/.test(h) ? h : `${h}:${bound}`)),
    ].map((h) => h.toLowerCase());

  const text = (res: ServerResponse, status: number, body: string, type = 'text/plain') =>
    res.writeHead(status, { 'content-type': type }).end(body);
  const json = (res: ServerResponse, status: number, body: unknown) =>
    text(res, status, JSON.stringify(body), 'application/json');

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/healthz') return void text(res, 200, 'ok\n');
    if (req.method === 'GET' && path === '/readyz') {
      const r = options.readiness();
      return void json(res, r.ready && !closing ? 200 : 503, { ready: r.ready && !closing, ...r.detail });
    }
    if (req.method === 'GET' && path === '/metrics')
      return void text(res, 200, options.metrics(), 'text/plain; version=0.0.4');
    if (path !== options.path) return void text(res, 404, `capseal gateway serves ${options.path}\n`);
    const refused = refuseRequest(req, hostNames(), options.token);
    if (refused !== undefined) {
      logger.warn(`refused a client request: ${refused.reason}`);
      return void text(res, refused.status, `${refused.reason}\n`);
    }
    if (closing) return void json(res, 503, rpcError(null, -32000, 'capseal gateway is shutting down'));
    inFlight++;
    res.once('close', () => inFlight--);
    serve(req, res).catch((error: unknown) => {
      logger.warn(`client request failed: ${errorMessage(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sessionId = header(req, 'mcp-session-id');
    if (req.method !== 'POST') {
      const session = sessionId === undefined ? undefined : sessions.get(sessionId);
      if (session === undefined)
        return void json(
          res,
          sessionId === undefined ? 400 : 404,
          rpcError(null, -32000, 'Session not found'),
        );
      touch(session);
      return session.transport.handleRequest(req, res);
    }
    const body = await readBody(req);
    if (body === 'too-large') return void text(res, 413, 'capseal gateway: request body too large\n');
    let message: unknown;
    try {
      message = JSON.parse(body);
    } catch {
      return void json(res, 400, rpcError(null, -32700, 'Parse error'));
    }
    if (sessionId === undefined && isModernHeader(header(req, 'mcp-protocol-version')))
      return serveModern(req, res, message);
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId);
      if (session === undefined) return void json(res, 404, rpcError(null, -32001, 'Session not found'));
      hold(session, res);
      return session.transport.handleRequest(req, res, message);
    }
    const isInit =
      typeof message === 'object' &&
      message !== null &&
      (message as { method?: unknown }).method === 'initialize';
    if (!isInit)
      return void json(res, 400, rpcError(null, -32000, 'Bad Request: Mcp-Session-Id header is required'));
    if (sessions.size >= MAX_SESSIONS)
      return void json(res, 503, rpcError(null, -32000, 'too many sessions'));
    const session = openSession();
    hold(session, res);
    await session.transport.handleRequest(req, res, message);
  }

  /** (Re)arm a session's idle timer: it fires only once nothing of the session is in progress. */
  function touch(session: LegacySession): void {
    if (session.idle !== undefined) clearTimeout(session.idle);
    session.idle = undefined;
    const idleMs = options.sessionIdleMs?.() ?? 0;
    if (idleMs <= 0 || session.busy > 0 || session.client.id === '') return;
    session.idle = setTimeout(() => {
      session.idle = undefined;
      if (session.busy > 0 || sessions.get(session.client.id) !== session) return;
      logger.info(`legacy session ${session.client.id} expired after ${idleMs} ms idle; closed`);
      // onclose cancels its in-flight upstream requests and forgets the id: it is 404 from now on.
      void session.transport.close().catch(() => {});
    }, idleMs);
    session.idle.unref();
  }

  /** A POST of the session is being answered: no idle expiry until its response is done. */
  function hold(session: LegacySession, res: ServerResponse): void {
    session.busy++;
    touch(session);
    res.once('close', () => {
      session.busy--;
      touch(session);
    });
  }

  function openSession(): LegacySession {
    const controller = new AbortController();
    const client: ClientContext = {
      id: '',
      generation: 'legacy',
      subscriptions: new Set(),
      signal: controller.signal,
    };
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        client.id = id;
        sessions.set(id, session);
      },
    });
    const session: LegacySession = { transport, client, controller, busy: 0 };
    /** Per-request controllers: a notifications/cancelled from the client aborts that one request. */
    const requests = new Map<string | number, AbortController>();
    const send = (m: unknown, related?: string | number) =>
      transport
        .send(m as JSONRPCMessage, related === undefined ? undefined : { relatedRequestId: related })
        .catch((e: unknown) => logger.debug(`to client ${client.id}: ${errorMessage(e)}`));
    client.progress = (requestId, params) =>
      send({ jsonrpc: '2.0', method: 'notifications/progress', params }, requestId as string | number);
    client.notify = (requestId, method, params) =>
      send(
        { jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) },
        requestId as string | number,
      );
    /** What the client declared in initialize: a server→client request it did not declare is not sent. */
    let declared: Record<string, unknown> = {};
    /** This session's own requests to its client (ids `gw-<n>`), answered by its responses. */
    const asked = new Map<string, (answer: UpstreamAnswer) => void>();
    let nextAsk = 1;
    client.serverRequest = (requestId, method, params, signal) => {
      const capability = Object.hasOwn(SERVER_REQUEST_CAPABILITY, method)
        ? SERVER_REQUEST_CAPABILITY[method]
        : undefined;
      if (capability === undefined || !isRecord(declared[capability]))
        return Promise.resolve({
          error: {
            code: -32601,
            message: `capseal gateway: the client did not declare ${capability ?? method}`,
          },
        });
      const askId = `gw-${nextAsk++}`;
      return new Promise<UpstreamAnswer>((resolve) => {
        const onAbort = () => {
          if (asked.delete(askId)) resolve({ error: { code: -32800, message: 'request cancelled' } });
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        asked.set(askId, (answer) => {
          signal.removeEventListener('abort', onAbort);
          resolve(answer);
        });
        void send(
          { jsonrpc: '2.0', id: askId, method, ...(params === undefined ? {} : { params }) },
          requestId as string | number,
        );
      });
    };
    transport.onmessage = (m) => {
      const msg = m as {
        id?: string | number;
        method?: string;
        params?: Record<string, unknown>;
        result?: Record<string, unknown>;
        error?: { code: number; message: string; data?: unknown };
      };
      if (msg.method === undefined) {
        // A response: to one of this session's own requests, or nothing at all.
        const answer = asked.get(String(msg.id));
        if (answer === undefined) return;
        asked.delete(String(msg.id));
        answer(msg.error !== undefined ? { error: msg.error } : { result: msg.result ?? {} });
        return;
      }
      if (msg.method === 'initialize' && isRecord(msg.params?.capabilities))
        declared = msg.params.capabilities;
      if (msg.id === undefined) {
        if (msg.method === 'notifications/cancelled') requests.get(msg.params?.requestId as string)?.abort();
        return;
      }
      const id = msg.id;
      const own = new AbortController();
      requests.set(id, own);
      const signal = AbortSignal.any([controller.signal, own.signal]);
      void dispatcher.handle({ ...client, signal }, id, msg.method, msg.params ?? {}).then((answer) => {
        requests.delete(id);
        if (!own.signal.aborted) void send({ jsonrpc: '2.0', id, ...answer });
      });
    };
    transport.onclose = () => {
      controller.abort();
      if (session.idle !== undefined) clearTimeout(session.idle);
      session.idle = undefined;
      if (client.id !== '') sessions.delete(client.id);
    };
    return session;
  }

  async function serveModern(req: IncomingMessage, res: ServerResponse, message: unknown): Promise<void> {
    if (Array.isArray(message) || typeof message !== 'object' || message === null)
      return void json(res, 400, rpcError(null, -32600, 'Invalid Request: one JSON-RPC message per POST'));
    const mismatch = checkModernHeaders(
      {
        version: header(req, 'mcp-protocol-version'),
        method: header(req, 'mcp-method'),
        name: header(req, 'mcp-name'),
      },
      message,
    );
    const paramMismatch =
      mismatch ?? checkCallParams((tool) => dispatcher.paramBindings(tool), req.headers, message);
    if (paramMismatch !== undefined) return void json(res, 400, paramMismatch);
    const msg = message as { id?: unknown; method?: unknown; params?: unknown };
    if (typeof msg.method !== 'string') return void res.writeHead(202).end();
    if (msg.id === undefined) return void res.writeHead(202).end();
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const client: ClientContext = {
      id: randomUUID(),
      generation: 'modern',
      subscriptions: new Set(),
      signal: controller.signal,
    };
    const params =
      typeof msg.params === 'object' && msg.params !== null ? (msg.params as Record<string, unknown>) : {};
    if (msg.method === LISTEN_METHOD) return serveListen(res, msg.id, params, client);
    const answer = await dispatcher.handle(client, msg.id, msg.method, params);
    if (!res.destroyed) json(res, 200, { jsonrpc: '2.0', id: msg.id, ...answer });
  }

  /**
   * A 2026-07-28 `subscriptions/listen`: its response is an SSE stream on this POST. Each resource URI
   * it names goes through the gateway as a `resources/subscribe` of that exposed URI (prefix routing,
   * shared drift flags and store, then the upstream's proxy session: the same URI rules as
   * `resources/read`), so one refused URI refuses the whole listen with that error and nothing is
   * streamed. Then the acknowledgement (the honored filter), then the notifications the filter selects,
   * each tagged with the listen's id. The stream's own context is never shared: updates reach it only for
   * the URIs it subscribed. The client closing the POST ends the subscription.
   */
  async function serveListen(
    res: ServerResponse,
    id: unknown,
    params: Record<string, unknown>,
    client: ClientContext,
  ): Promise<void> {
    const invalid = (message: string) =>
      void json(res, 200, rpcError(id, -32602, `Invalid params: ${message}`));
    const filter = params.notifications;
    if (!isRecord(filter)) return invalid("'notifications' is required and must be an object");
    const uris = filter.resourceSubscriptions ?? [];
    if (!Array.isArray(uris) || uris.some((u) => typeof u !== 'string'))
      return invalid("'notifications.resourceSubscriptions' must be an array of URIs");
    if (listens.size >= MAX_LISTENS)
      return void json(res, 200, rpcError(id, -32603, 'Subscription limit reached'));
    for (const uri of uris as string[]) {
      const answer = await dispatcher.handle(client, id, 'resources/subscribe', { uri });
      if ('error' in answer) {
        const data = isRecord(answer.error.data)
          ? { ...answer.error.data, method: LISTEN_METHOD }
          : undefined;
        if (!res.destroyed)
          json(res, 200, {
            jsonrpc: '2.0',
            id,
            error: { ...answer.error, ...(data === undefined ? {} : { data }) },
          });
        return;
      }
    }
    if (res.destroyed || client.signal.aborted) return;
    client.subscriptions = new Set(uris as string[]);
    const honored: Record<string, unknown> = {};
    for (const flag of Object.values(LIST_CHANGED_FLAG)) if (filter[flag] === true) honored[flag] = true;
    if (uris.length > 0) honored.resourceSubscriptions = [...(uris as string[])];
    const tag = (p: Record<string, unknown> | undefined) => ({
      ...p,
      _meta: { ...(isRecord(p?._meta) ? p._meta : {}), [SUBSCRIPTION_ID_META]: id },
    });
    const frame = (message: unknown) => {
      if (!res.destroyed && !res.writableEnded)
        res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    };
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    frame({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: tag({ notifications: honored }),
    });
    const finish = () => {
      frame({
        jsonrpc: '2.0',
        id,
        result: {
          resultType: 'complete',
          _meta: {
            [SUBSCRIPTION_ID_META]: id,
            'io.modelcontextprotocol/serverInfo': { name: 'capseal-gateway', version: VERSION },
          },
        },
      });
      res.end();
    };
    if (Object.keys(honored).length === 0) return finish();
    const listen: Listen = {
      client,
      honored,
      write: (method, p) => frame({ jsonrpc: '2.0', method, params: tag(p) }),
      end: finish,
    };
    listens.add(listen);
    const keepAlive = setInterval(() => {
      if (!res.destroyed) res.write(': keepalive\n\n');
    }, LISTEN_KEEPALIVE_MS);
    keepAlive.unref();
    res.once('close', () => {
      listens.delete(listen);
      clearInterval(keepAlive);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new CapsealError('USAGE', `gateway: cannot listen on ${options.host}:${options.port}`, {
          details: [error.message],
        }),
      ),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const info = server.address();
  if (info !== null && typeof info === 'object') bound = info.port;

  return {
    url: `http://${shown}:${bound}${options.path}`,
    broadcast(method, params, filter) {
      for (const l of listens) {
        if (method === 'notifications/resources/updated') {
          // Only to a stream that subscribed to exactly this exposed URI, and passes the caller's filter.
          const uri = params?.uri;
          if (typeof uri !== 'string' || !l.client.subscriptions.has(uri)) continue;
          if (filter !== undefined && !filter(l.client)) continue;
        } else {
          const flag = Object.hasOwn(LIST_CHANGED_FLAG, method) ? LIST_CHANGED_FLAG[method] : undefined;
          // Nothing the client did not ask for: a type it did not request never goes on its stream.
          if (flag === undefined || l.honored[flag] !== true) continue;
        }
        l.write(method, params);
      }
      for (const s of sessions.values()) {
        if (filter !== undefined && !filter(s.client)) continue;
        s.transport
          .send({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }) } as JSONRPCMessage)
          .catch(() => {});
      }
    },
    get inFlight() {
      return inFlight;
    },
    get sessions() {
      return sessions.size;
    },
    get listens() {
      return listens.size;
    },
    async close(graceMs) {
      closing = true;
      // A listen stream never ends on its own: end each with its result before draining.
      for (const l of [...listens]) l.end();
      const done = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      // Long-lived GET streams never finish on their own: count only what still has an answer to give.
      while (inFlight > sessions.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      for (const s of sessions.values()) await s.transport.close().catch(() => {});
      server.closeAllConnections();
      await done;
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

function rpcError(id: unknown, code: number, message: string) {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

async function readBody(req: IncomingMessage): Promise<string | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_CAP) return 'too-large';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Host/Origin against the names this gateway answers to, then the bearer token. */
function refuseRequest(
  req: IncomingMessage,
  allowed: string[],
  token: string | undefined,
): { status: number; reason: string } | undefined {
  const host = req.headers.host?.toLowerCase();
  if (host === undefined || !allowed.includes(host))
    return { status: 403, reason: `Host header ${host ?? '(none)'} is not this gateway` };
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let originHost = '';
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {}
    if (!allowed.includes(originHost)) return { status: 403, reason: `Origin ${origin} is not this gateway` };
  }
  if (token === undefined) return undefined;
  const auth = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (auth === undefined || !sameToken(auth, token))
    return { status: 401, reason: 'a bearer token is required' };
  return undefined;
}
