export const id = 332;
export const ids = [332];
export const modules = {

/***/ 332:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   LISTEN_PATH: () => (/* binding */ LISTEN_PATH),
/* harmony export */   isLoopback: () => (/* binding */ isLoopback),
/* harmony export */   listenHttpHost: () => (/* binding */ listenHttpHost),
/* harmony export */   parseListenAddress: () => (/* binding */ parseListenAddress)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_http__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7067);
/* harmony import */ var node_http__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_http__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_net__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4649);
/* harmony import */ var node_net__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_net__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _modelcontextprotocol_sdk_server_streamableHttp_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6706);
/* harmony import */ var _shared_errors_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(8382);





/** The path the host POSTs to (and GETs its event stream from), as in `http://127.0.0.1:PORT/mcp`. */
const LISTEN_PATH = '/mcp';
/** Whether an address only accepts connections from this machine. */
function isLoopback(host) {
    if (host === 'localhost')
        return true;
    if ((0,node_net__WEBPACK_IMPORTED_MODULE_2__.isIP)(host) === 4)
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
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .CapsealError */ ._i('USAGE', `--listen must be PORT, HOST:PORT or [IPV6]:PORT (got "${text}")`);
    }
    const host = m[1] ?? m[2] ?? '127.0.0.1';
    if (!allowAny && !isLoopback(host)) {
        throw new _shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .CapsealError */ ._i('USAGE', `--listen ${text}: ${host} is not a loopback address`, {
            details: ['the proxy binds to 127.0.0.1, ::1 or localhost unless --listen-any is given'],
        });
    }
    return { host, port };
}
/**
 * The host side over Streamable HTTP: binds a node:http server (before anything else starts, so a busy
 * port is a clear USAGE error) and serves ONE MCP session at LISTEN_PATH through the SDK's
 * StreamableHTTPServerTransport; a second initialize is refused by the transport. Requests to other paths
 * get 404. On a loopback bind, Host headers other than the bound address (DNS rebinding from a browser) are
 * refused with 403. The session ends (relay: host closed, exit 0) when the host DELETEs it.
 * Responses go back on the POST that carried the request; progress notifications on that request's stream
 * too; other server→host messages on the host's GET event stream.
 */
async function listenHttpHost(address, logger) {
    let sink;
    /** Messages that arrived before the relay started us (the server is being spawned). */
    const early = [];
    /** Host progress token → the host request it belongs to, so progress goes back on that request's stream. */
    const progressOf = new Map();
    const loopback = isLoopback(address.host);
    let bound = address.port;
    const hostNames = () => [`127.0.0.1:${bound}`, `localhost:${bound}`, `[::1]:${bound}`, `${address.host}:${bound}`].filter((h, i, all) => all.indexOf(h) === i);
    const transport = new _modelcontextprotocol_sdk_server_streamableHttp_js__WEBPACK_IMPORTED_MODULE_3__/* .StreamableHTTPServerTransport */ .D({ sessionIdGenerator: () => (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomUUID)() });
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
    const server = (0,node_http__WEBPACK_IMPORTED_MODULE_1__.createServer)((req, res) => {
        const path = new URL(req.url ?? '/', 'http://localhost').pathname;
        if (path !== LISTEN_PATH) {
            res.writeHead(404, { 'content-type': 'text/plain' }).end(`capseal proxy serves ${LISTEN_PATH}\n`);
            return;
        }
        const rebinding = loopback
            ? refuseRebinding(req.headers.host, req.headers.origin, hostNames())
            : undefined;
        if (rebinding !== undefined) {
            logger.warn(`refused a host request: ${rebinding}`);
            res.writeHead(403, { 'content-type': 'text/plain' }).end(`${rebinding}\n`);
            return;
        }
        transport.handleRequest(req, res).catch((error) => {
            logger.warn(`host request failed: ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .errorMessage */ .gJ)(error)}`);
            if (!res.headersSent)
                res.writeHead(500).end();
        });
    });
    await new Promise((resolve, reject) => {
        server.once('error', (error) => reject(new _shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .CapsealError */ ._i('USAGE', `--listen ${address.host}:${address.port}: cannot bind`, {
            details: [error.message],
        })));
        server.listen(address.port, address.host, () => resolve());
    });
    const info = server.address();
    if (info !== null && typeof info === 'object')
        bound = info.port;
    const shown = address.host.includes(':') ? `[${address.host}]` : address.host;
    let closed = false;
    return {
        url: `http://${shown}:${bound}${LISTEN_PATH}`,
        async start(s) {
            sink = s;
            for (const m of early.splice(0))
                s.message(m);
        },
        send(messages) {
            for (const message of messages) {
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
                    .catch((error) => logger.warn(`sending to the host failed: ${(0,_shared_errors_js__WEBPACK_IMPORTED_MODULE_4__/* .errorMessage */ .gJ)(error)}`));
            }
        },
        async close() {
            if (closed)
                return;
            closed = true;
            sink = undefined;
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