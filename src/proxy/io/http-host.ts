import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../shared/index.js';
import { CapsealError, errorMessage } from '../../shared/index.js';
import { checkCallParams, checkModernHeaders, isModernHeader, type ParamBinding } from '../http-headers.js';
import { isRecordValue } from '../jsonrpc.js';
import { isRawIntegerId, parseJsonLine } from '../parse.js';
import { LISTEN_METHOD, SUBSCRIPTION_ID_META } from '../subscriptions.js';
import type { JsonRpcId } from '../types.js';
import type { Endpoint, EndpointSink } from './relay.js';

/** Largest 2026-07-28 stateless POST body accepted (the session's own line limit applies after). */
const STATELESS_BODY_CAP = 64 * 1024 * 1024;

/** The path the host POSTs to (and GETs its event stream from), as in `http://127.0.0.1:PORT/mcp`. */
export const LISTEN_PATH = '/mcp';

export interface ListenAddress {
  host: string;
  port: number;
}

/** Whether an address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * Parse `--listen`: `PORT`, `HOST:PORT` or `[V6]:PORT` (host defaults to 127.0.0.1; port 0 picks a free
 * one). A non-loopback host is a USAGE error unless `allowAny`: the proxy would otherwise serve the locked
 * server to the network.
 */
export function parseListenAddress(text: string, allowAny: boolean): ListenAddress {
  const m = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):)?(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (m === null || port > 65_535) {
    throw new CapsealError('USAGE', `--listen must be PORT, HOST:PORT or [IPV6]:PORT (got "${text}")`);
  }
  const host = m[1] ?? m[2] ?? '127.0.0.1';
  if (!allowAny && !isLoopback(host)) {
    throw new CapsealError('USAGE', `--listen ${text}: ${host} is not a loopback address`, {
      details: ['the proxy binds to 127.0.0.1, ::1 or localhost unless --listen-any is given'],
    });
  }
  return { host, port };
}

/** One 2026-07-28 POST waiting for its answer. */
interface ModernRequest {
  res: ServerResponse;
  /** The id the host gave it (restored on everything written back). */
  hostId: JsonRpcId;
  /** The host's progress token, when it sent one. */
  token?: string | number;
  /** Answered as an SSE stream (progress, listen notifications), else as one JSON body. */
  stream: boolean;
}

/** What every request to the listening proxy must satisfy. */
export interface ListenOptions {
  /** The bearer token every request must carry (`Authorization: Bearer <token>`). */
  token: string;
  /**
   * The locked `x-mcp-header` declarations of a tool (undefined: not locked): a 2026-07-28 `tools/call`'s
   * `Mcp-Param-*` headers must agree with them and the body (HeaderMismatch, HTTP 400, otherwise).
   */
  paramBindings?: (tool: string) => readonly ParamBinding[] | undefined;
  /** `HOST` or `HOST:PORT` names accepted in Host and Origin headers besides the bound address. */
  allowHosts?: readonly string[];
}

/** A fresh bearer token for one `--listen` session: 256 random bits, base64url. */
export function generateListenToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A `--listen-token-file`: its first line, one word of at least 16 characters (a guessable token is none). */
export async function readListenToken(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `cannot read --listen-token-file ${path}`, {
      details: [errorMessage(error)],
    });
  }
  const token = (text.split(/\r?\n/, 1)[0] ?? '').trim();
  if (token.length < 16 || /\s/.test(token))
    throw new CapsealError(
      'INVALID_INPUT',
      `--listen-token-file ${path}: the token must be one word of at least 16 characters`,
    );
  return token;
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';

/**
 * A non-loopback bind (`--listen-any`) keeps the Host/Origin checks: on a wildcard address there is no
 * name to default to, so an explicit allow-list is required (USAGE otherwise).
 */
export function checkListenAllowList(address: ListenAddress, allowHosts: readonly string[]): void {
  if (isWildcard(address.host) && allowHosts.length === 0) {
    throw new CapsealError('USAGE', `--listen ${address.host}: name the Host headers to accept`, {
      details: [
        'with a wildcard bind, give --listen-allow-host HOST[:PORT] (repeatable) for the names clients use',
      ],
    });
  }
}

function sameToken(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export interface HttpHost extends Endpoint {
  /** Where the host connects, e.g. http://127.0.0.1:43211/mcp (the real port when 0 was asked). */
  readonly url: string;
}

/**
 * The host side over Streamable HTTP: binds a node:http server (before anything else starts, so a busy
 * port is a clear USAGE error) and serves ONE MCP session at LISTEN_PATH through the SDK's
 * StreamableHTTPServerTransport; a second initialize is refused by the transport. Requests to other paths
 * get 404. On a loopback bind, Host headers other than the bound address (DNS rebinding from a browser) are
 * refused with 403, on any bind (with `--listen-any` against the bound address and an explicit allow-list);
 * every request must carry the session's bearer token (401 otherwise). The session ends (relay: host closed, exit 0) when the host DELETEs it.
 * Responses go back on the POST that carried the request; progress notifications on that request's stream
 * too; other server→host messages on the host's GET event stream.
 */
export async function listenHttpHost(
  address: ListenAddress,
  logger: Logger,
  options: ListenOptions,
): Promise<HttpHost> {
  let sink: EndpointSink | undefined;
  /** Messages that arrived before the relay started us (the server is being spawned). */
  const early: JSONRPCMessage[] = [];
  /** Host progress token → the host request it belongs to, so progress goes back on that request's stream. */
  const progressOf = new Map<string | number, string | number>();
  const loopback = isLoopback(address.host);
  let bound = address.port;
  const shownHost = address.host.includes(':') ? `[${address.host}]` : address.host;
  const hostNames = () =>
    [
      ...(loopback ? [`127.0.0.1:${bound}`, `localhost:${bound}`, `[::1]:${bound}`] : []),
      ...(isWildcard(address.host) ? [] : [`${shownHost}:${bound}`]),
      ...(options.allowHosts ?? []).map((h) => (/:\d+$/.test(h) ? h : `${h}:${bound}`)),
    ]
      .map((h) => h.toLowerCase())
      .filter((h, i, all) => all.indexOf(h) === i);
  /**
   * 2026-07-28 stateless POSTs waiting for their response, by the id the session knows them under: every
   * POST gets its own (two stateless hosts both sending id 1 never meet), and its progress token too.
   */
  const modernWaiting = new Map<string, ModernRequest>();
  /** Internal progress token → internal request id. */
  const modernTokens = new Map<string, string>();
  const modernPrefix = `capseal-http-${randomUUID().slice(0, 8)}-`;
  let modernSeq = 0;
  const deliver = (message: JSONRPCMessage) => {
    if (sink) sink.message(message);
    else early.push(message);
  };
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() });
  transport.onmessage = (message) => {
    if ('method' in message && 'id' in message && message.id !== undefined) {
      const token = (message.params?._meta as { progressToken?: unknown } | undefined)?.progressToken;
      if (typeof token === 'string' || typeof token === 'number') progressOf.set(token, message.id);
    }
    if (sink) sink.message(message);
    else early.push(message);
  };
  transport.onerror = (error) => logger.debug(`host transport: ${error.message}`);
  transport.onclose = () => sink?.closed('host ended the HTTP session');
  await transport.start();

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== LISTEN_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`capseal proxy serves ${LISTEN_PATH}\n`);
      return;
    }
    // Host/Origin checks on every bind (DNS rebinding, cross-origin pages), then the bearer token.
    const rebinding = refuseRebinding(req.headers.host?.toLowerCase(), req.headers.origin, hostNames());
    if (rebinding !== undefined) {
      logger.warn(`refused a host request: ${rebinding}`);
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`${rebinding}\n`);
      return;
    }
    const auth = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (auth === undefined || !sameToken(auth, options.token)) {
      logger.warn('refused a host request: missing or wrong bearer token');
      res
        .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="capseal proxy"' })
        .end('capseal proxy: a bearer token is required\n');
      return;
    }
    const version = req.headers['mcp-protocol-version'];
    if (
      req.method === 'POST' &&
      req.headers['mcp-session-id'] === undefined &&
      isModernHeader(typeof version === 'string' ? version : undefined)
    ) {
      void serveStateless(req, res).catch((error: unknown) => {
        logger.warn(`host request failed: ${errorMessage(error)}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    transport.handleRequest(req, res).catch((error: unknown) => {
      logger.warn(`host request failed: ${errorMessage(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  /**
   * One 2026-07-28 POST without a session: its standard headers checked against its body (HeaderMismatch,
   * HTTP 400, on a disagreement; batches refused), then the message goes to the session like any other; a
   * request's response is written back as JSON on this POST, a notification is acknowledged with 202.
   */
  async function serveStateless(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > STATELESS_BODY_CAP) {
        res.writeHead(413, { 'content-type': 'text/plain' }).end('capseal proxy: request body too large\n');
        return;
      }
      chunks.push(chunk);
    }
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    // The proxy's own parse: integer ids beyond 2^53 are kept exactly (the session checks nesting depth).
    const parsed = parseJsonLine(Buffer.concat(chunks).toString('utf8'), Number.MAX_SAFE_INTEGER);
    if (!parsed.ok) {
      json(400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      return;
    }
    const body: unknown = parsed.value;
    if (Array.isArray(body) || typeof body !== 'object' || body === null) {
      json(400, {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'Invalid Request: one JSON-RPC message per POST' },
      });
      return;
    }
    const header = (name: string) => {
      const v = req.headers[name];
      return typeof v === 'string' ? v : undefined;
    };
    const mismatch = checkModernHeaders(
      { version: header('mcp-protocol-version'), method: header('mcp-method'), name: header('mcp-name') },
      body,
    );
    const paramMismatch = mismatch ?? checkCallParams(options.paramBindings, req.headers, body);
    if (paramMismatch !== undefined) {
      logger.warn(`refused a host request: ${paramMismatch.error.message}`);
      json(400, paramMismatch);
      return;
    }
    const message = body as JSONRPCMessage;
    if ('method' in message && 'id' in message) {
      const id: unknown = message.id;
      if (
        typeof id !== 'string' &&
        !(typeof id === 'number' && Number.isSafeInteger(id)) &&
        !isRawIntegerId(id)
      ) {
        json(400, {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32600, message: 'Invalid Request: id must be a string or an integer' },
        });
        return;
      }
      const internal = `${modernPrefix}${++modernSeq}`;
      const params = isRecordValue(message.params) ? message.params : undefined;
      const meta = isRecordValue(params?._meta) ? params._meta : undefined;
      const token = meta?.progressToken;
      const hasToken = typeof token === 'string' || typeof token === 'number';
      const internalToken = `${internal}-progress`;
      // Progress and a listen's notifications need a stream: an SSE response when the host accepts one.
      const stream =
        (hasToken || message.method === LISTEN_METHOD) && /text\/event-stream/i.test(header('accept') ?? '');
      const entry: ModernRequest = {
        res,
        hostId: message.id as JsonRpcId,
        stream,
        ...(hasToken ? { token } : {}),
      };
      modernWaiting.set(internal, entry);
      if (hasToken) modernTokens.set(internalToken, internal);
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.flushHeaders();
      }
      // A host that closes its POST before the answer cancels the request (2026-07-28 Streamable HTTP).
      res.once('close', () => {
        if (modernWaiting.get(internal) !== entry) return;
        forgetModern(internal, entry);
        deliver({
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: internal, reason: 'the host closed its request' },
        });
      });
      deliver({
        ...message,
        id: internal,
        ...(params === undefined
          ? {}
          : { params: hasToken ? { ...params, _meta: { ...meta, progressToken: internalToken } } : params }),
      } as JSONRPCMessage);
      return;
    }
    deliver(message);
    res.writeHead(202).end();
  }

  function forgetModern(internal: string, entry: ModernRequest): void {
    modernWaiting.delete(internal);
    if (entry.token !== undefined) modernTokens.delete(`${internal}-progress`);
  }

  /** Write one message on a modern request's stream (its host's id and token restored). */
  function writeEvent(entry: ModernRequest, message: unknown): void {
    if (entry.res.writableEnded || entry.res.destroyed) return;
    entry.res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  /**
   * Route one session message to a modern POST when it belongs to one: the response (ends it), progress
   * of its token, a notification of its listen stream. True when taken.
   */
  function toModern(message: unknown): boolean {
    if (!isRecordValue(message)) return false;
    const m = message as { id?: unknown; method?: unknown; params?: unknown; result?: unknown };
    if (m.method === undefined && typeof m.id === 'string') {
      const entry = modernWaiting.get(m.id);
      // A late answer to a POST that is gone (its host closed it) is nobody else's: dropped.
      if (entry === undefined) return m.id.startsWith(modernPrefix);
      forgetModern(m.id, entry);
      const result = isRecordValue(m.result) ? m.result : undefined;
      const meta = isRecordValue(result?._meta) ? result._meta : undefined;
      const answer = {
        ...message,
        id: entry.hostId,
        ...(meta !== undefined && meta[SUBSCRIPTION_ID_META] === m.id
          ? { result: { ...result, _meta: { ...meta, [SUBSCRIPTION_ID_META]: entry.hostId } } }
          : {}),
      };
      if (entry.stream) {
        writeEvent(entry, answer);
        entry.res.end();
      } else if (!entry.res.headersSent && !entry.res.destroyed) {
        entry.res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      }
      return true;
    }
    if (typeof m.method !== 'string' || m.id !== undefined) return false;
    const params = isRecordValue(m.params) ? m.params : undefined;
    if (m.method === 'notifications/progress' && typeof params?.progressToken === 'string') {
      const internal = modernTokens.get(params.progressToken);
      const entry = internal === undefined ? undefined : modernWaiting.get(internal);
      if (entry === undefined) return params.progressToken.startsWith(modernPrefix);
      if (entry.stream) writeEvent(entry, { ...message, params: { ...params, progressToken: entry.token } });
      return true;
    }
    const meta = isRecordValue(params?._meta) ? params._meta : undefined;
    const sub = meta?.[SUBSCRIPTION_ID_META];
    if (typeof sub !== 'string') return false;
    const entry = modernWaiting.get(sub);
    if (entry === undefined) return sub.startsWith(modernPrefix);
    if (entry.stream)
      writeEvent(entry, {
        ...message,
        params: { ...params, _meta: { ...meta, [SUBSCRIPTION_ID_META]: entry.hostId } },
      });
    return true;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new CapsealError('USAGE', `--listen ${address.host}:${address.port}: cannot bind`, {
          details: [error.message],
        }),
      ),
    );
    server.listen(address.port, address.host, () => resolve());
  });
  const info = server.address();
  if (info !== null && typeof info === 'object') bound = info.port;
  let closed = false;

  return {
    url: `http://${shownHost}:${bound}${LISTEN_PATH}`,
    async start(s) {
      sink = s;
      for (const m of early.splice(0)) s.message(m);
    },
    send(messages) {
      for (const message of messages) {
        if (toModern(message)) continue;
        let related: string | number | undefined;
        if ('id' in message && !('method' in message)) {
          for (const [token, id] of progressOf) if (id === message.id) progressOf.delete(token);
        } else if ('method' in message && message.method === 'notifications/progress') {
          const token = message.params?.progressToken;
          if (typeof token === 'string' || typeof token === 'number') related = progressOf.get(token);
        }
        transport
          .send(message as JSONRPCMessage, related === undefined ? undefined : { relatedRequestId: related })
          .catch((error: unknown) => logger.warn(`sending to the host failed: ${errorMessage(error)}`));
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      sink = undefined;
      for (const { res } of modernWaiting.values()) {
        if (!res.headersSent) res.writeHead(503).end();
        else res.end();
      }
      modernWaiting.clear();
      modernTokens.clear();
      // Ends the host's event streams; the response to its DELETE (which got us here) is still on its way,
      // so in-flight requests get a moment before connections are cut.
      await transport.close().catch(() => {});
      const done = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 1_000);
      force.unref();
      await done;
      clearTimeout(force);
    },
  };
}

/**
 * A page in a browser can make requests to 127.0.0.1 (DNS rebinding, or plain cross-origin POSTs): on a
 * loopback bind only Host headers naming the bound address, and no foreign Origin, are served.
 */
function refuseRebinding(
  host: string | undefined,
  origin: string | undefined,
  allowed: string[],
): string | undefined {
  if (host === undefined || !allowed.includes(host))
    return `Host header ${host ?? '(none)'} is not this proxy`;
  if (origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      return `Origin ${origin} is not a URL`;
    }
    if (!allowed.includes(originHost)) return `Origin ${origin} is not this proxy`;
  }
  return undefined;
}
