import { SdkHttpError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../shared/index.js';
import { isModernHeader, type ParamBinding, paramHeaders } from '../http-headers.js';
import { isRecordValue } from '../jsonrpc.js';
import { PROTOCOL_VERSION_META } from '../methods.js';
import type { JsonRpcId } from '../types.js';
import type { Endpoint } from './relay.js';

export interface HttpUpstreamSpec {
  url: string;
  transport: 'streamable-http' | 'sse';
  /** Header values (the lockfile records only their names). */
  headers?: Record<string, string>;
  /**
   * The locked `x-mcp-header` declarations of a tool (undefined: not locked). A 2026-07-28 `tools/call`
   * carries the `Mcp-Param-*` headers they derive from the arguments actually sent (recomputed, never
   * copied from the host).
   */
  paramBindings?: (tool: string) => readonly ParamBinding[] | undefined;
}

/** The `Mcp-Param-*` headers of one outgoing message, when it is a 2026-07-28 `tools/call` of a locked tool. */
function paramHeadersFor(spec: HttpUpstreamSpec, message: unknown): Record<string, string> | undefined {
  if (spec.paramBindings === undefined || !isRecordValue(message) || message.method !== 'tools/call')
    return undefined;
  const params = isRecordValue(message.params) ? message.params : {};
  const meta = isRecordValue(params._meta) ? params._meta : {};
  const version = meta[PROTOCOL_VERSION_META];
  if (typeof params.name !== 'string' || !isModernHeader(typeof version === 'string' ? version : undefined))
    return undefined;
  const bindings = spec.paramBindings(params.name);
  if (bindings === undefined || bindings.length === 0) return undefined;
  const headers = paramHeaders(bindings, params.arguments);
  return Object.keys(headers).length === 0 ? undefined : headers;
}

/** JSON-RPC "internal error": an HTTP-level failure of one request, answered to the host as the server's. */
const UPSTREAM_ERROR_CODE = -32603;

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

/**
 * Whether a failed POST means the server is unreachable or has forgotten the session (the session cannot
 * continue), as opposed to an HTTP error about this one message.
 */
function isConnectionLost(error: unknown): boolean {
  if (error instanceof StreamableHTTPError) return error.code === 404;
  if (error instanceof SdkHttpError) return error.status === 404;
  if (error instanceof TypeError) return true; // fetch: network error
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
export function httpUpstreamEndpoint(spec: HttpUpstreamSpec, logger: Logger): Endpoint {
  const url = new URL(spec.url);
  const headers = spec.headers ?? {};
  const streamable =
    spec.transport === 'streamable-http'
      ? new StreamableHTTPClientTransport(url, { requestInit: { headers } })
      : undefined;
  const transport =
    streamable ??
    new SSEClientTransport(url, {
      requestInit: { headers },
      eventSourceInit: {
        fetch: (input, init) =>
          fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
      },
    });
  /** Ids of our initialize requests: their result carries the protocol version for later requests. */
  const initializeIds = new Set<JsonRpcId>();
  let closing = false;
  let closed = false;
  let gone: ((reason: string) => void) | undefined;

  return {
    async start(sink) {
      gone = (reason) => {
        if (!closing) sink.closed(reason);
        closing = true;
      };
      transport.onmessage = (message: JSONRPCMessage) => {
        if (
          initializeIds.size > 0 &&
          'id' in message &&
          message.id !== undefined &&
          initializeIds.delete(message.id)
        ) {
          const version = 'result' in message ? message.result.protocolVersion : undefined;
          if (typeof version === 'string') streamable?.setProtocolVersion(version);
        }
        sink.message(message);
      };
      transport.onerror = (error) => {
        const text = describe(error);
        // A POST failure is handled where it was sent; a lost event stream ends the session when the SDK
        // gives up reconnecting (Streamable HTTP) or at once (SSE, whose session lives on that stream).
        if (
          /Maximum reconnection attempts|Failed to reconnect/.test(text) ||
          (!streamable && error instanceof SseError)
        ) {
          gone?.(`server unreachable at ${spec.url}: ${text}`);
        } else logger.debug(`upstream: ${text}`);
      };
      transport.onclose = () => gone?.(`server closed the connection at ${spec.url}`);
      await transport.start();
    },
    send(messages) {
      for (const message of messages) {
        const isRequest = 'method' in message && 'id' in message;
        if (isRequest && message.method === 'initialize') initializeIds.add(message.id);
        const params = streamable === undefined ? undefined : paramHeadersFor(spec, message);
        const sent =
          params === undefined
            ? transport.send(message as JSONRPCMessage)
            : (streamable as StreamableHTTPClientTransport).send(message as JSONRPCMessage, {
                headers: params,
              });
        sent.catch((error: unknown) => {
          if (closing) return;
          const text = describe(error);
          if (isConnectionLost(error)) {
            gone?.(`server unreachable at ${spec.url}: ${text}`);
          } else if (isRequest) {
            logger.warn(`${message.method} failed at ${spec.url}: ${text}`);
            transport.onmessage?.({
              jsonrpc: '2.0',
              // Proxy ids toward a server are small integers.
              id: message.id as number,
              error: { code: UPSTREAM_ERROR_CODE, message: `upstream HTTP error: ${text}` },
            });
          } else logger.warn(`sending to ${spec.url} failed: ${text}`);
        });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      closing = true;
      await streamable?.terminateSession().catch(() => {});
      await transport.close().catch(() => {});
    },
  };
}
