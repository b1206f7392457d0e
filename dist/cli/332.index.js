export const id = 332;
export const ids = [332];
export const modules = {

/***/ 50332:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   LISTEN_PATH: () => (/* binding */ LISTEN_PATH),
/* harmony export */   checkListenAllowList: () => (/* binding */ checkListenAllowList),
/* harmony export */   generateListenToken: () => (/* binding */ generateListenToken),
/* harmony export */   isLoopback: () => (/* binding */ isLoopback),
/* harmony export */   listenHttpHost: () => (/* binding */ listenHttpHost),
/* harmony export */   parseListenAddress: () => (/* binding */ parseListenAddress),
/* harmony export */   readListenToken: () => (/* binding */ readListenToken)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(77598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(51455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_http__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(37067);
/* harmony import */ var node_http__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_http__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var node_net__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(77030);
/* harmony import */ var node_net__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__webpack_require__.n(node_net__WEBPACK_IMPORTED_MODULE_3__);
/* harmony import */ var _modelcontextprotocol_sdk_server_streamableHttp_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(9812);
/* harmony import */ var _shared_index_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(33407);
/* harmony import */ var _http_headers_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(1617);
/* harmony import */ var _jsonrpc_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(83657);
/* harmony import */ var _parse_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(52111);
/* harmony import */ var _subscriptions_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(53654);










/** Largest 2026-07-28 stateless POST body accepted (the session's own line limit applies after). */
const STATELESS_BODY_CAP = 64 * 1024 * 1024;
/** The path the host POSTs to (and GETs its event stream from), as in `http://127.0.0.1:PORT/mcp`. */
const LISTEN_PATH = '/mcp';
/** Whether an address only accepts connections from this machine. */
function isLoopback(host) {
    if (host === 'localhost')
        return true;
    if ((0,node_net__WEBPACK_IMPORTED_MODULE_3__.isIP)(host) === 4)
        return host.startsWith('127.');
    return host === '::1';
}
/**
 * Parse `--listen`: `PORT`, `HOST:PORT` or `[V6]:PORT` (host defaults to 127.0.0.1; port 0 picks a free
 * one). A non-loopback host is a USAGE error unless `allowAny`: the proxy would otherwise serve the locked
 * server to the network.
 */
function parseListenAddress(text, allowAny) {
    const m = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):)?(\d{1,5})$/.exec(text.trim());
    const port = Number(m?.[3]);
    if (m === null || port > 65_535) {
        throw new _shared_index_js__WEBPACK_IMPORTED_MODULE_5__/* .CapsealError */ ._i('USAGE', `--listen must be PORT, HOST:PORT or [IPV6]:PORT (got "${text}")`);
    }
    const host = m[1] ?? m[2] ?? '127.0.0.1';
    if (!allowAny && !isLoopback(host)) {
        throw new _shared_index_js__WEBPACK_IMPORTED_MODULE_5__/* .CapsealError */ ._i('USAGE', `--listen ${text}: ${host} is not a loopback address`, {
            details: ['the proxy binds to 127.0.0.1, ::1 or localhost unless --listen-any is given'],
        });
    }
    return { host, port };
}
/** A fresh bearer token for one `--listen` session: 256 random bits, base64url. */
function generateListenToken() {
    return (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomBytes)(32).toString('base64url');
}
/** A `--listen-token-file`: its first line, one word of at least 16 characters (a guessable token is none). */
async function readListenToken(path) {
    let text;
    try {
        text = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.readFile)(path, 'utf8');
    }
    catch (error) {
        throw new _shared_index_js__WEBPACK_IMPORTED_MODULE_5__/* .CapsealError */ ._i('INVALID_INPUT', `cannot read --listen-token-file ${path}`, {
            details: [(0,_shared_index_js__WEBPACK_IMPORTED_MODULE_5__/* .errorMessage */ .gJ)(error)],
        });
    }
    const token = (text.split(/\r?\n/, 1)[0] ?? '').trim();
    if (token.length < 16 || /\s/.test(token))
        throw new _shared_index_js__WEBPACK_IMPORTED_MODULE_5__/* .CapsealError */ ._i('INVALID_INPUT', `--listen-token-file ${path}: the token must be one word of at least 16 characters`);
    return token;
}
const isWildcard = (host) => host === '0.0.0.0' || host === '::';
/**
 * A non-loopback bind (`--listen-any`) keeps the Host/Origin checks: on a wildcard address there is no
 * name to default to, so an explicit allow-list is required (USAGE otherwise).
 */
function checkListenAllowList(address, allowHosts) {
    if (isWildcard(address.host) && allowHosts.length === 0) {
        throw new _shared_index_js__WEBPACK_IMPORTED_MODULE_5__/* .CapsealError */ ._i('USAGE', `--listen ${address.host}: name the Host headers to accept`, {
            details: [
                'with a wildcard bind, give --listen-allow-host HOST[:PORT] (repeatable) for the names clients use',
            ],
        });
    }
}
function sameToken(given, expected) {
    const a = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(given).digest();
    const b = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(expected).digest();
    return (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.timingSafeEqual)(a, b);
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
async function listenHttpHost(address, logger, options) {
    let sink;
    /** Messages that arrived before the relay started us (the server is being spawned). */
    const early = [];
    /** Host progress token → the host request it belongs to, so progress goes back on that request's stream. */
    const progressOf = new Map();
    const loopback = isLoopback(address.host);
    let bound = address.port;
    const shownHost = address.host.includes(':') ? `[${address.host}]` : address.host;
    const hostNames = () => [
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
    const modernWaiting = new Map();
    /** Internal progress token → internal request id. */
    const modernTokens = new Map();
    const modernPrefix = `capseal-http-${(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomUUID)().slice(0, 8)}-`;
    let modernSeq = 0;
    const deliver = (message) => {
        if (sink)
            sink.message(message);
        else
            early.push(message);
    };
    const transport = new _modelcontextprotocol_sdk_server_streamableHttp_js__WEBPACK_IMPORTED_MODULE_4__/* .StreamableHTTPServerTransport */ .D({ sessionIdGenerator: () => (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomUUID)() });
    transport.onmessage = (message) => {
        if ('method' in message && 'id' in message && message.id !== undefined) {
            const token = message.params?._meta?.progressToken;
            if (typeof token === 'string' || typeof token === 'number')
                progressOf.set(token, message.id);
        }
        if (sink)
            sink.message(message);
        else
            early.push(message);
    };
    transport.onerror = (error) => logger.debug(`host transport: ${error.message}`);
    transport.onclose = () => sink?.closed('host ended the HTTP session');
    await transport.start();
    const server = (0,node_http__WEBPACK_IMPORTED_MODULE_2__.createServer)((req, res) => {
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
        if (req.method === 'POST' &&
            req.headers['mcp-session-id'] === undefined &&
            (0,_http_headers_js__WEBPACK_IMPORTED_MODULE_6__/* .isModernHeader */ .hZ)(typeof version === 'string' ? version : undefined)) {
            void serveStateless(req, res).catch((error) => {
                logger.warn(`host request failed: ${(0,_shared_index_js__WEBPACK_IMPORTED_MODULE_5__/* .errorMessage */ .gJ)(error)}`);
                if (!res.headersSent)
                    res.writeHead(500).end();
            });
            return;
        }
        transport.handleRequest(req, res).catch((error) => {
            logger.warn(`host request failed: ${(0,_shared_index_js__WEBPACK_IMPORTED_MODULE_5__/* .errorMessage */ .gJ)(error)}`);
            if (!res.headersSent)
                res.writeHead(500).end();
        });
    });
    /**
     * One 2026-07-28 POST without a session: its standard headers checked against its body (HeaderMismatch,
     * HTTP 400, on a disagreement; batches refused), then the message goes to the session like any other; a
     * request's response is written back as JSON on this POST, a notification is acknowledged with 202.
     */
    async function serveStateless(req, res) {
        const chunks = [];
        let size = 0;
        for await (const chunk of req) {
            size += chunk.length;
            if (size > STATELESS_BODY_CAP) {
                res.writeHead(413, { 'content-type': 'text/plain' }).end('capseal proxy: request body too large\n');
                return;
            }
            chunks.push(chunk);
        }
        const json = (status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        // The proxy's own parse: integer ids beyond 2^53 are kept exactly (the session checks nesting depth).
        const parsed = (0,_parse_js__WEBPACK_IMPORTED_MODULE_8__/* .parseJsonLine */ .wz)(Buffer.concat(chunks).toString('utf8'), Number.MAX_SAFE_INTEGER);
        if (!parsed.ok) {
            json(400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
            return;
        }
        const body = parsed.value;
        if (Array.isArray(body) || typeof body !== 'object' || body === null) {
            json(400, {
                jsonrpc: '2.0',
                id: null,
                error: { code: -32600, message: 'Invalid Request: one JSON-RPC message per POST' },
            });
            return;
        }
        const header = (name) => {
            const v = req.headers[name];
            return typeof v === 'string' ? v : undefined;
        };
        const mismatch = (0,_http_headers_js__WEBPACK_IMPORTED_MODULE_6__/* .checkModernHeaders */ .an)({ version: header('mcp-protocol-version'), method: header('mcp-method'), name: header('mcp-name') }, body);
        const paramMismatch = mismatch ?? (0,_http_headers_js__WEBPACK_IMPORTED_MODULE_6__/* .checkCallParams */ .jr)(options.paramBindings, req.headers, body);
        if (paramMismatch !== undefined) {
            logger.warn(`refused a host request: ${paramMismatch.error.message}`);
            json(400, paramMismatch);
            return;
        }
        const message = body;
        if ('method' in message && 'id' in message) {
            const id = message.id;
            if (typeof id !== 'string' &&
                !(typeof id === 'number' && Number.isSafeInteger(id)) &&
                !(0,_parse_js__WEBPACK_IMPORTED_MODULE_8__/* .isRawIntegerId */ .aQ)(id)) {
                json(400, {
                    jsonrpc: '2.0',
                    id: null,
                    error: { code: -32600, message: 'Invalid Request: id must be a string or an integer' },
                });
                return;
            }
            const internal = `${modernPrefix}${++modernSeq}`;
            const params = (0,_jsonrpc_js__WEBPACK_IMPORTED_MODULE_7__/* .isRecordValue */ .tI)(message.params) ? message.params : undefined;
            const meta = (0,_jsonrpc_js__WEBPACK_IMPORTED_MODULE_7__/* .isRecordValue */ .tI)(params?._meta) ? params._meta : undefined;
            const token = meta?.progressToken;
            const hasToken = typeof token === 'string' || typeof token === 'number';
            const internalToken = `${internal}-progress`;
            // Progress and a listen's notifications need a stream: an SSE response when the host accepts one.
            const stream = (hasToken || message.method === _subscriptions_js__WEBPACK_IMPORTED_MODULE_9__/* .LISTEN_METHOD */ .CZ) && /text\/event-stream/i.test(header('accept') ?? '');
            const entry = {
                res,
                hostId: message.id,
                stream,
                ...(hasToken ? { token } : {}),
            };
            modernWaiting.set(internal, entry);
            if (hasToken)
                modernTokens.set(internalToken, internal);
            if (stream) {
                res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
                res.flushHeaders();
            }
            // A host that closes its POST before the answer cancels the request (2026-07-28 Streamable HTTP).
            res.once('close', () => {
                if (modernWaiting.get(internal) !== entry)
                    return;
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
            });
            return;
        }
        deliver(message);
        res.writeHead(202).end();
    }
    function forgetModern(internal, entry) {
        modernWaiting.delete(internal);
        if (entry.token !== undefined)
            modernTokens.delete(`${internal}-progress`);
    }
    /** Write one message on a modern request's stream (its host's id and token restored). */
    function writeEvent(entry, message) {
        if (entry.res.writableEnded || entry.res.destroyed)
            return;
        entry.res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    }
    /**
     * Route one session message to a modern POST when it belongs to one: the response (ends it), progress
     * of its token, a notification of its listen stream. True when taken.
     */
    function toModern(message) {
        if (!(0,_jsonrpc_js__WEBPACK_IMPORTED_MODULE_7__/* .isRecordValue */ .tI)(message))
            return false;
        const m = message;
        if (m.method === undefined && typeof m.id === 'string') {
            const entry = modernWaiting.get(m.id);
            // A late answer to a POST that is gone (its host closed it) is nobody else's: dropped.
            if (entry === undefined)
                return m.id.startsWith(modernPrefix);
            forgetModern(m.id, entry);
            const result = (0,_jsonrpc_js__WEBPACK_IMPORTED_MODULE_7__/* .isRecordValue */ .tI)(m.result) ? m.result : undefined;
            const meta = (0,_jsonrpc_js__WEBPACK_IMPORTED_MODULE_7__/* .isRecordValue */ .tI)(result?._meta) ? result._meta : undefined;
            const answer = {
                ...message,
                id: entry.hostId,
                ...(meta !== undefined && meta[_subscriptions_js__WEBPACK_IMPORTED_MODULE_9__/* .SUBSCRIPTION_ID_META */ .U5] === m.id
                    ? { result: { ...result, _meta: { ...meta, [_subscriptions_js__WEBPACK_IMPORTED_MODULE_9__/* .SUBSCRIPTION_ID_META */ .U5]: entry.hostId } } }
                    : {}),
            };
            if (entry.stream) {
                writeEvent(entry, answer);
                entry.res.end();
            }
            else if (!entry.res.headersSent && !entry.res.destroyed) {
                entry.res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
            }
            return true;
        }
        if (typeof m.method !== 'string' || m.id !== undefined)
            return false;
        const params = (0,_jsonrpc_js__WEBPACK_IMPORTED_MODULE_7__/* .isRecordValue */ .tI)(m.params) ? m.params : undefined;
        if (m.method === 'notifications/progress' && typeof params?.progressToken === 'string') {
            const internal = modernTokens.get(params.progressToken);
            const entry = internal === undefined ? undefined : modernWaiting.get(internal);
            if (entry === undefined)
                return params.progressToken.startsWith(modernPrefix);
            if (entry.stream)
                writeEvent(entry, { ...message, params: { ...params, progressToken: entry.token } });
            return true;
        }
        const meta = (0,_jsonrpc_js__WEBPACK_IMPORTED_MODULE_7__/* .isRecordValue */ .tI)(params?._meta) ? params._meta : undefined;
        const sub = meta?.[_subscriptions_js__WEBPACK_IMPORTED_MODULE_9__/* .SUBSCRIPTION_ID_META */ .U5];
        if (typeof sub !== 'string')
            return false;
        const entry = modernWaiting.get(sub);
        if (entry === undefined)
            return sub.startsWith(modernPrefix);
        if (entry.stream)
            writeEvent(entry, {
                ...message,
                params: { ...params, _meta: { ...meta, [_subscriptions_js__WEBPACK_IMPORTED_MODULE_9__/* .SUBSCRIPTION_ID_META */ .U5]: entry.hostId } },
            });
        return true;
    }
    await new Promise((resolve, reject) => {
        server.once('error', (error) => reject(new _shared_index_js__WEBPACK_IMPORTED_MODULE_5__/* .CapsealError */ ._i('USAGE', `--listen ${address.host}:${address.port}: cannot bind`, {
            details: [error.message],
        })));
        server.listen(address.port, address.host, () => resolve());
    });
    const info = server.address();
    if (info !== null && typeof info === 'object')
        bound = info.port;
    let closed = false;
    return {
        url: `http://${shownHost}:${bound}${LISTEN_PATH}`,
        async start(s) {
            sink = s;
            for (const m of early.splice(0))
                s.message(m);
        },
        send(messages) {
            for (const message of messages) {
                if (toModern(message))
                    continue;
                let related;
                if ('id' in message && !('method' in message)) {
                    for (const [token, id] of progressOf)
                        if (id === message.id)
                            progressOf.delete(token);
                }
                else if ('method' in message && message.method === 'notifications/progress') {
                    const token = message.params?.progressToken;
                    if (typeof token === 'string' || typeof token === 'number')
                        related = progressOf.get(token);
                }
                transport
                    .send(message, related === undefined ? undefined : { relatedRequestId: related })
                    .catch((error) => logger.warn(`sending to the host failed: ${(0,_shared_index_js__WEBPACK_IMPORTED_MODULE_5__/* .errorMessage */ .gJ)(error)}`));
            }
        },
        async close() {
            if (closed)
                return;
            closed = true;
            sink = undefined;
            for (const { res } of modernWaiting.values()) {
                if (!res.headersSent)
                    res.writeHead(503).end();
                else
                    res.end();
            }
            modernWaiting.clear();
            modernTokens.clear();
            // Ends the host's event streams; the response to its DELETE (which got us here) is still on its way,
            // so in-flight requests get a moment before connections are cut.
            await transport.close().catch(() => { });
            const done = new Promise((r) => server.close(() => r()));
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
function refuseRebinding(host, origin, allowed) {
    if (host === undefined || !allowed.includes(host))
        return `Host header ${host ?? '(none)'} is not this proxy`;
    if (origin !== undefined) {
        let originHost;
        try {
            originHost = new URL(origin).host;
        }
        catch {
            return `Origin ${origin} is not a URL`;
        }
        if (!allowed.includes(originHost))
            return `Origin ${origin} is not this proxy`;
    }
    return undefined;
}


/***/ })

};

//# sourceMappingURL=332.index.js.map