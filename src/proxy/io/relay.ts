import type { Logger } from '../../shared/index.js';
import { errorMessage } from '../../shared/index.js';
import type { LineProblem } from '../bad-line.js';
import { LineSplitter, recoverId } from '../framing.js';
import { type Envelope, parseJsonLine, valueExceedsDepth } from '../parse.js';
import type { ProxySession } from '../session.js';
import type { Effects, JsonRpcMessage } from '../types.js';
import type { AuditSink } from './audit-log.js';

/** What an endpoint reports to the relay. */
export interface EndpointSink {
  /** Newline-framed bytes (stdio): the relay splits, parses and answers bad lines. */
  bytes(chunk: Buffer): void;
  /** One message a transport already parsed (HTTP); `text` when the exact received JSON is known. */
  message(value: unknown, text?: string): void;
  /** No more input will come from this side. Only the first call counts. */
  closed(reason: string): void;
}

/** One side of the proxy (the host or the server), over stdio or HTTP. The relay owns every decision. */
export interface Endpoint {
  /** Begin delivering input to the sink. */
  start(sink: EndpointSink): Promise<void>;
  /** Send what the session decided, in order; called once per input chunk, never with an empty array. */
  send(messages: readonly JsonRpcMessage[]): void;
  /** Release the process or connection. Idempotent. */
  close(): Promise<void>;
}

export interface RelayOptions {
  session: ProxySession;
  host: Endpoint;
  server: Endpoint;
  logger: Logger;
  audit: AuditSink;
  now?: () => number;
  /** How often pending requests are checked against the timeout. */
  tickMs?: number;
  /** Stop when this signal aborts (SIGTERM/SIGINT in the CLI). */
  signal?: AbortSignal;
}

export interface ProxyResult {
  /** 0 when the host hung up first; 3 when the server ended the session. */
  exitCode: number;
  reason: string;
}

type Side = 'host' | 'server';

/**
 * The proxy's one loop between two endpoints: every message from either side goes through the session's
 * pure decision functions and only their effects are sent. Bad lines (invalid JSON, over the line limit)
 * never end the session. Output produced while handling one input chunk is sent once per side at the end
 * of the chunk, so 32 pipelined requests cost one write each way instead of 32. Resolves when either side
 * is gone (server gone: pending host requests are answered with SERVER_GONE_CODE first), after both
 * endpoints are closed.
 */
export function runRelay(options: RelayOptions): Promise<ProxyResult> {
  const { session, host, server, logger, audit } = options;
  const now = options.now ?? Date.now;
  const limit = session.config.limits.maxLineBytes;
  let finished = false;

  return new Promise<ProxyResult>((resolve) => {
    let toServer: JsonRpcMessage[] = [];
    let toHost: JsonRpcMessage[] = [];
    let batching = false;
    const flush = () => {
      if (finished) return;
      if (toServer.length > 0) {
        const out = toServer;
        toServer = [];
        server.send(out);
      }
      if (toHost.length > 0) {
        const out = toHost;
        toHost = [];
        host.send(out);
      }
    };
    const apply = (fx: Effects) => {
      if (fx.log.length > 0) for (const line of fx.log) logger.warn(line);
      if (fx.audit.length > 0) audit.write(fx.audit);
      if (fx.toServer.length > 0) for (const m of fx.toServer) toServer.push(m);
      if (fx.toHost.length > 0) for (const m of fx.toHost) toHost.push(m);
      if (!batching) flush();
    };
    const batch = (work: () => void) => {
      batching = true;
      try {
        work();
      } finally {
        batching = false;
        flush();
      }
    };

    const maxDepth = session.config.limits.maxDepth;
    const badLine = (side: Side, envelope: Envelope | undefined, problem: LineProblem, detail: string) =>
      apply(
        side === 'host'
          ? session.badHostLine(envelope?.id, problem, detail, now())
          : session.badServerLine(envelope?.id, problem, detail, now(), envelope?.request),
      );
    const onMessage = (side: Side, value: unknown, text?: string) =>
      apply(side === 'host' ? session.fromHost(value, now()) : session.fromServer(value, now(), text));
    const onLine = (side: Side, text: string) => {
      const parsed = parseJsonLine(text, maxDepth);
      if (parsed.ok) onMessage(side, parsed.value, text);
      else if (parsed.problem === 'too-deep') badLine(side, parsed.envelope, 'too-deep', parsed.detail);
      else {
        const id = recoverId(text.slice(0, 512), text.slice(-512));
        badLine(side, { id, request: false }, 'invalid-json', parsed.detail);
      }
    };
    /** A message a transport parsed (HTTP): the same depth limit as for lines. */
    const onParsed = (side: Side, value: unknown, text?: string) => {
      if (!valueExceedsDepth(value, maxDepth)) return onMessage(side, value, text);
      const v = (typeof value === 'object' && value !== null ? value : {}) as {
        id?: unknown;
        method?: unknown;
      };
      const id = typeof v.id === 'string' || typeof v.id === 'number' ? v.id : undefined;
      badLine(
        side,
        { id, request: typeof v.method === 'string' },
        'too-deep',
        `message nests deeper than maxDepth ${maxDepth}`,
      );
    };

    const sinkFor = (side: Side, onClosed: (reason: string) => void): EndpointSink => {
      const frames = new LineSplitter(limit);
      return {
        bytes: (chunk) =>
          batch(() => {
            for (const ev of frames.push(chunk)) {
              if (ev.type === 'line') onLine(side, ev.text);
              else {
                const detail = `line of ${ev.bytes} bytes exceeds maxLineBytes ${limit}`;
                badLine(side, { id: recoverId(ev.head, ev.tail), request: false }, 'oversized', detail);
              }
            }
          }),
        message: (value, text) => {
          if (!finished) batch(() => onParsed(side, value, text));
        },
        closed: onClosed,
      };
    };

    const finish = async (result: ProxyResult) => {
      if (finished) return;
      flush();
      finished = true;
      clearInterval(timer);
      await Promise.all([host.close(), server.close()]);
      audit.close();
      resolve(result);
    };

    const serverSink = sinkFor('server', (reason) => {
      if (finished) return;
      apply(session.serverExited(reason, now()));
      logger.warn(`${reason}; pending requests were answered with errors`);
      void finish({ exitCode: 3, reason });
    });
    const hostSink = sinkFor('host', (reason) => void finish({ exitCode: 0, reason }));

    const timer = setInterval(() => apply(session.tick(now())), options.tickMs ?? 1_000);
    timer.unref();
    options.signal?.addEventListener(
      'abort',
      () => void finish({ exitCode: 0, reason: 'stopped by signal' }),
      {
        once: true,
      },
    );
    server
      .start(serverSink)
      .then(() => host.start(hostSink))
      .catch((error: unknown) => {
        const reason = `cannot start: ${errorMessage(error)}`;
        serverSink.closed(reason);
      });
  });
}
