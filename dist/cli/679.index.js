export const id = 679;
export const ids = [679];
export const modules = {

/***/ 74679:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   httpUpstreamEndpoint: () => (/* binding */ httpUpstreamEndpoint)
/* harmony export */ });
/* harmony import */ var _modelcontextprotocol_client__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(93232);
/* harmony import */ var _modelcontextprotocol_sdk_client_sse_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(57910);
/* harmony import */ var _modelcontextprotocol_sdk_client_streamableHttp_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(21427);
/* harmony import */ var _http_headers_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(1617);
/* harmony import */ var _jsonrpc_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(83657);
/* harmony import */ var _methods_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(6490);






/** The `Mcp-Param-*` headers of one outgoing message, when it is a 2026-07-28 `tools/call` of a locked tool. */
function paramHeadersFor(spec, message) {
    if (spec.paramBindings === undefined || !(0,_jsonrpc_js__WEBPACK_IMPORTED_MODULE_4__/* .isRecordValue */ .tI)(message) || message.method !== 'tools/call')
        return undefined;
    const params = (0,_jsonrpc_js__WEBPACK_IMPORTED_MODULE_4__/* .isRecordValue */ .tI)(message.params) ? message.params : {};
    const meta = (0,_jsonrpc_js__WEBPACK_IMPORTED_MODULE_4__/* .isRecordValue */ .tI)(params._meta) ? params._meta : {};
    const version = meta[_methods_js__WEBPACK_IMPORTED_MODULE_5__/* .PROTOCOL_VERSION_META */ .k2];
    if (typeof params.name !== 'string' || !(0,_http_headers_js__WEBPACK_IMPORTED_MODULE_3__/* .isModernHeader */ .hZ)(typeof version === 'string' ? version : undefined))
        return undefined;
    const bindings = spec.paramBindings(params.name);
    if (bindings === undefined || bindings.length === 0)
        return undefined;
    const headers = (0,_http_headers_js__WEBPACK_IMPORTED_MODULE_3__/* .paramHeaders */ .oN)(bindings, params.arguments);
    return Object.keys(headers).length === 0 ? undefined : headers;
}
/** JSON-RPC "internal error": an HTTP-level failure of one request, answered to the host as the server's. */
const UPSTREAM_ERROR_CODE = -32603;
function describe(error) {
    if (!(error instanceof Error))
        return String(error);
    const cause = error.cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
/**
 * Whether a failed POST means the server is unreachable or has forgotten the session (the session cannot
 * continue), as opposed to an HTTP error about this one message.
 */
function isConnectionLost(error) {
    if (error instanceof _modelcontextprotocol_sdk_client_streamableHttp_js__WEBPACK_IMPORTED_MODULE_2__/* .StreamableHTTPError */ .b)
        return error.code === 404;
    if (error instanceof _modelcontextprotocol_client__WEBPACK_IMPORTED_MODULE_0__/* .SdkHttpError */ .HC)
        return error.status === 404;
    if (error instanceof TypeError)
        return true; // fetch: network error
    return /fetch failed|ECONNREFUSED|ECONNRESET|socket hang up|other side closed/i.test(describe(error));
}
/**
 * The server side over HTTP: the SDK v2 StreamableHTTPClientTransport (or the v1 SSEClientTransport for
 * legacy SSE servers) carries both generations: a 2025 message goes in the server's session (session id,
 * negotiated version), a 2026-07-28 request is a stateless POST whose `MCP-Protocol-Version`, `Mcp-Method`
 * and `Mcp-Name` headers the transport derives from the very body that is sent. It carries the messages the session decided to send; what the server sends back (POST responses,
 * its GET stream) goes to the session like stdio lines do. The negotiated protocol version is set on the
 * transport from the server's initialize result, as the SDK Client does. The session ends (server gone:
 * pending requests get SERVER_GONE_CODE) when the server is unreachable, forgets the session (404), or its
 * event stream cannot be re-established; an HTTP error about one request answers that request with -32603.
 */
function httpUpstreamEndpoint(spec, logger) {
    const url = new URL(spec.url);
    const headers = spec.headers ?? {};
    const streamable = spec.transport === 'streamable-http'
        ? new _modelcontextprotocol_client__WEBPACK_IMPORTED_MODULE_0__/* .StreamableHTTPClientTransport */ .jS(url, { requestInit: { headers } })
        : undefined;
    const transport = streamable ??
        new _modelcontextprotocol_sdk_client_sse_js__WEBPACK_IMPORTED_MODULE_1__/* .SSEClientTransport */ .A(url, {
            requestInit: { headers },
            eventSourceInit: {
                fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }),
            },
        });
    /** Ids of our initialize requests: their result carries the protocol version for later requests. */
    const initializeIds = new Set();
    let closing = false;
    let closed = false;
    let gone;
    return {
        async start(sink) {
            gone = (reason) => {
                if (!closing)
                    sink.closed(reason);
                closing = true;
            };
            transport.onmessage = (message) => {
                if (initializeIds.size > 0 &&
                    'id' in message &&
                    message.id !== undefined &&
                    initializeIds.delete(message.id)) {
                    const version = 'result' in message ? message.result.protocolVersion : undefined;
                    if (typeof version === 'string')
                        streamable?.setProtocolVersion(version);
                }
                sink.message(message);
            };
            transport.onerror = (error) => {
                const text = describe(error);
                // A POST failure is handled where it was sent; a lost event stream ends the session when the SDK
                // gives up reconnecting (Streamable HTTP) or at once (SSE, whose session lives on that stream).
                if (/Maximum reconnection attempts|Failed to reconnect/.test(text) ||
                    (!streamable && error instanceof _modelcontextprotocol_sdk_client_sse_js__WEBPACK_IMPORTED_MODULE_1__/* .SseError */ ._)) {
                    gone?.(`server unreachable at ${spec.url}: ${text}`);
                }
                else
                    logger.debug(`upstream: ${text}`);
            };
            transport.onclose = () => gone?.(`server closed the connection at ${spec.url}`);
            await transport.start();
        },
        send(messages) {
            for (const message of messages) {
                const isRequest = 'method' in message && 'id' in message;
                if (isRequest && message.method === 'initialize')
                    initializeIds.add(message.id);
                const params = streamable === undefined ? undefined : paramHeadersFor(spec, message);
                const sent = params === undefined
                    ? transport.send(message)
                    : streamable.send(message, {
                        headers: params,
                    });
                sent.catch((error) => {
                    if (closing)
                        return;
                    const text = describe(error);
                    if (isConnectionLost(error)) {
                        gone?.(`server unreachable at ${spec.url}: ${text}`);
                    }
                    else if (isRequest) {
                        logger.warn(`${message.method} failed at ${spec.url}: ${text}`);
                        transport.onmessage?.({
                            jsonrpc: '2.0',
                            // Proxy ids toward a server are small integers.
                            id: message.id,
                            error: { code: UPSTREAM_ERROR_CODE, message: `upstream HTTP error: ${text}` },
                        });
                    }
                    else
                        logger.warn(`sending to ${spec.url} failed: ${text}`);
                });
            }
        },
        async close() {
            if (closed)
                return;
            closed = true;
            closing = true;
            await streamable?.terminateSession().catch(() => { });
            await transport.close().catch(() => { });
        },
    };
}


/***/ })

};

//# sourceMappingURL=679.index.js.map