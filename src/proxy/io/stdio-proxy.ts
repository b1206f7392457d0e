import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../../shared/logger.js';
import { LineSplitter, recoverId, serializeLine } from '../framing.js';
import type { ProxySession } from '../session.js';
import type { Effects } from '../types.js';
import type { AuditSink } from './audit-log.js';
import { type ServerProcessSpec, spawnServer } from './spawn-server.js';

export interface StdioProxyOptions {
  session: ProxySession;
  server: ServerProcessSpec;
  /** The proxy's own environment; only allow-listed and named variables reach the server. */
  env: NodeJS.ProcessEnv;
  host: { input: Readable; output: Writable };
  logger: Logger;
  audit: AuditSink;
  /** Where the server's stderr goes (the host's log); defaults to the logger, line by line. */
  serverStderr?: Writable;
  now?: () => number;
  /** How often pending requests are checked against the timeout. */
  tickMs?: number;
  /** Stop when this signal aborts (SIGTERM/SIGINT in the CLI). */
  signal?: AbortSignal;
}

export interface StdioProxyResult {
  /** 0 when the host hung up first; non-zero when the server ended the session. */
  exitCode: number;
  reason: string;
}

/**
 * Move bytes between a host (stdin/stdout) and a spawned stdio server; every parsed line goes through the
 * session's pure decision functions and only their effects are written. Bad lines (invalid JSON, over the
 * line limit) never end the session. Resolves when either side is gone, after the server is stopped.
 */
export function runStdioProxy(options: StdioProxyOptions): Promise<StdioProxyResult> {
  const { session, host, logger, audit } = options;
  const now = options.now ?? Date.now;
  const limit = session.config.limits.maxLineBytes;
  const server = spawnServer(options.server, options.env);
  const { child } = server;
  let finished = false;

  return new Promise<StdioProxyResult>((resolve) => {
    // Output produced while handling one input chunk is written once per side at the end of the chunk, so
    // 32 pipelined requests cost one write each way instead of 32.
    let toServer = '';
    let toHost = '';
    let batching = false;
    const flush = () => {
      if (toServer !== '' && child.stdin.writable) child.stdin.write(toServer);
      if (toHost !== '' && host.output.writable) host.output.write(toHost);
      toServer = '';
      toHost = '';
    };
    const apply = (fx: Effects) => {
      if (fx.log.length > 0) for (const line of fx.log) logger.warn(line);
      if (fx.audit.length > 0) audit.write(fx.audit);
      for (const m of fx.toServer) toServer += serializeLine(m);
      for (const m of fx.toHost) toHost += serializeLine(m);
      if (!batching) flush();
    };

    const hostFrames = new LineSplitter(limit);
    const serverFrames = new LineSplitter(limit);

    const onLine = (side: 'host' | 'server', text: string) => {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        const id = recoverId(text.slice(0, 512), text.slice(-512));
        apply(
          side === 'host'
            ? session.badHostLine(id, 'invalid-json', detail, now())
            : session.badServerLine(id, 'invalid-json', detail, now()),
        );
        return;
      }
      apply(side === 'host' ? session.fromHost(value, now()) : session.fromServer(value, now(), text));
    };

    const onData = (side: 'host' | 'server', splitter: LineSplitter) => (chunk: Buffer) => {
      batching = true;
      try {
        handle(side, splitter, chunk);
      } finally {
        batching = false;
        flush();
      }
    };

    const handle = (side: 'host' | 'server', splitter: LineSplitter, chunk: Buffer) => {
      for (const ev of splitter.push(chunk)) {
        if (ev.type === 'line') onLine(side, ev.text);
        else {
          const detail = `line of ${ev.bytes} bytes exceeds maxLineBytes ${limit}`;
          const id = recoverId(ev.head, ev.tail);
          apply(
            side === 'host'
              ? session.badHostLine(id, 'oversized', detail, now())
              : session.badServerLine(id, 'oversized', detail, now()),
          );
        }
      }
    };

    const finish = async (result: StdioProxyResult) => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      host.input.off('data', onHostData);
      await server.stop();
      audit.close();
      resolve(result);
    };

    const onHostData = onData('host', hostFrames);
    host.input.on('data', onHostData);
    host.input.once('end', () => void finish({ exitCode: 0, reason: 'host closed the connection' }));
    host.input.once('error', () => void finish({ exitCode: 0, reason: 'host connection failed' }));
    child.stdout.on('data', onData('server', serverFrames));
    child.stdin.on('error', (error) => logger.warn(`writing to the server failed: ${error.message}`));
    host.output.on('error', () => void finish({ exitCode: 0, reason: 'host output closed' }));
    const stderrTarget = options.serverStderr;
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderrTarget) stderrTarget.write(chunk);
      else logger.info(chunk.toString('utf8').trimEnd());
    });
    child.once('error', (error) => logger.warn(`could not start the server: ${error.message}`));

    void server.exited.then(({ code, signal }) => {
      if (finished) return;
      const reason =
        signal !== null
          ? `server killed by ${signal}`
          : code === null
            ? 'server could not be started'
            : `server exited with code ${code}`;
      // Let already-written stdout drain through the splitter before failing what is still pending.
      const drained = child.stdout.readableEnded
        ? Promise.resolve()
        : new Promise<void>((r) => {
            child.stdout.once('close', r);
            setTimeout(r, 500).unref();
          });
      void drained.then(() => {
        if (finished) return;
        apply(session.serverExited(reason, now()));
        logger.warn(`${reason}; pending requests were answered with errors`);
        void finish({ exitCode: 3, reason });
      });
    });

    const timer = setInterval(() => apply(session.tick(now())), options.tickMs ?? 1_000);
    timer.unref();
    options.signal?.addEventListener(
      'abort',
      () => void finish({ exitCode: 0, reason: 'stopped by signal' }),
      {
        once: true,
      },
    );
  });
}
