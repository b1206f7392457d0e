import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Debian package's binary (.ci/run installs `redis-server`). */
export const REDIS_SERVER_BIN = '/usr/bin/redis-server';

/** Why tests that need a real Redis cannot run here, or undefined when they can. */
export function redisServerMissing(): string | undefined {
  return existsSync(REDIS_SERVER_BIN)
    ? undefined
    : `${REDIS_SERVER_BIN} not installed (Debian package redis-server; .ci/run installs it)`;
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Stop a child: SIGTERM, SIGKILL after `graceMs`; resolves once it has exited. */
export function stopProcess(child: ChildProcess | undefined, graceMs = 5000): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Poll `probe` every 50 ms until it resolves true; rejects with `what` after `timeoutMs`. */
export async function waitFor(
  probe: () => Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** One PING over a raw socket: true on `+PONG`. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** A real redis-server on 127.0.0.1 that a test can stop and start again on the same port (an outage). */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stop the server (SIGTERM; without persistence its data is gone). */
  stop(): Promise<void>;
  /** Start it again on the same port and wait until it answers PING. */
  start(): Promise<void>;
  /** Freeze the server (SIGSTOP): connections stay open but nothing answers, as with a hung Redis. */
  pause(): void;
  /** Thaw it (SIGCONT). */
  resume(): void;
  /** Stop it for good and remove its working directory. */
  close(): Promise<void>;
}

/**
 * Start `redis-server` on a free 127.0.0.1 port with no persistence (`--save '' --appendonly no`), in its
 * own temp directory, and wait until PING answers.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'capseal-redis-'));
  let child: ChildProcess | undefined;
  let output = '';
  const start = async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) return;
    output = '';
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const proc = spawn(REDIS_SERVER_BIN, [...args, '--dir', dir, '--daemonize', 'no', '--logfile', ''], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    for (const stream of [proc.stdout, proc.stderr]) stream?.on('data', (d) => (output += d));
    try {
      await waitFor(async () => {
        if (proc.exitCode !== null) throw new Error(`redis-server exited ${proc.exitCode}:\n${output}`);
        return ping(port);
      }, `redis-server on port ${port}`);
    } catch (error) {
      await stopProcess(proc);
      throw error;
    }
  };
  const stop = () => stopProcess(child);
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    close: async () => {
      child?.kill('SIGCONT');
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
