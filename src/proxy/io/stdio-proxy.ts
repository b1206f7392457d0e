import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../../shared/index.js';
import { serializeLine } from '../framing.js';
import type { JsonRpcMessage } from '../types.js';
import type { Endpoint } from './relay.js';
import { type ServerProcessSpec, spawnServer } from './spawn-server.js';

/** Messages as newline-delimited JSON, exactly the SDK's stdio format (RAW_LINE where the session set it). */
function serializeLines(messages: readonly JsonRpcMessage[]): string {
  let out = '';
  for (const m of messages) out += serializeLine(m);
  return out;
}

/**
 * The host side over stdio: the host launched `capseal proxy` as its command and talks on our stdin/stdout.
 * Closing stops reading; the output stream is left to the caller.
 */
export function stdioHostEndpoint(input: Readable, output: Writable): Endpoint {
  let onData: ((chunk: Buffer) => void) | undefined;
  return {
    async start(sink) {
      onData = (chunk) => sink.bytes(chunk);
      input.on('data', onData);
      input.once('end', () => sink.closed('host closed the connection'));
      input.once('error', () => sink.closed('host connection failed'));
      output.on('error', () => sink.closed('host output closed'));
    },
    send(messages) {
      if (output.writable) output.write(serializeLines(messages));
    },
    async close() {
      if (onData) input.off('data', onData);
    },
  };
}

export interface StdioServerOptions {
  /** The proxy's own environment; only allow-listed and named variables reach the server. */
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Where the server's stderr goes (the host's log); defaults to the logger, line by line. */
  stderr?: Writable;
  /**
   * A launch prepared by the sandbox (src/sandbox, which already applied the allow-listed environment):
   * the process to spawn instead of the bare command, a way to name a resource limit the server died of,
   * and a cleanup run after the server is stopped.
   */
  sandbox?: SandboxedLaunch;
}

/** What the sandbox hands the proxy for one server process. */
export interface SandboxedLaunch {
  spawn: { command: string; args: string[]; env: Record<string, string>; cwd: string };
  explainExit(exit: { code: number | null; signal: string | null; stderr: string }): string | undefined;
  cleanup(): Promise<void>;
}

/**
 * The server side over stdio: spawns the server (allow-listed environment) when started, stops it (TERM,
 * then KILL) when closed. When it exits, its already-written stdout is drained before the relay is told.
 */
export function stdioServerEndpoint(spec: ServerProcessSpec, options: StdioServerOptions): Endpoint {
  const { logger } = options;
  let server: ReturnType<typeof spawnServer> | undefined;
  const launch = options.sandbox;
  let stderrTail = '';
  return {
    async start(sink) {
      if (launch === undefined) server = spawnServer(spec, options.env);
      else {
        const { command, args, env, cwd } = launch.spawn;
        server = spawnServer({ command, args, cwd, env }, {});
      }
      const { child } = server;
      child.stderr.on('data', (chunk: Buffer) => {
        stderrTail = (stderrTail + chunk.toString('utf8')).slice(-8192);
      });
      child.stdout.on('data', (chunk: Buffer) => sink.bytes(chunk));
      child.stdin.on('error', (error) => logger.warn(`writing to the server failed: ${error.message}`));
      const stderrTarget = options.stderr;
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderrTarget) stderrTarget.write(chunk);
        else logger.info(chunk.toString('utf8').trimEnd());
      });
      child.once('error', (error) => logger.warn(`could not start the server: ${error.message}`));
      void server.exited.then(({ code, signal }) => {
        const how =
          signal !== null
            ? `server killed by ${signal}`
            : code === null
              ? 'server could not be started'
              : `server exited with code ${code}`;
        const limit = launch?.explainExit({ code, signal, stderr: stderrTail });
        const reason = limit === undefined ? how : `${how}: it hit the sandbox's ${limit}`;
        // Let already-written stdout drain through the splitter before failing what is still pending.
        const drained = child.stdout.readableEnded
          ? Promise.resolve()
          : new Promise<void>((r) => {
              child.stdout.once('close', r);
              setTimeout(r, 500).unref();
            });
        void drained.then(() => sink.closed(reason));
      });
    },
    send(messages) {
      if (server?.child.stdin.writable) server.child.stdin.write(serializeLines(messages));
    },
    async close() {
      await server?.stop();
      await launch?.cleanup();
    },
  };
}
