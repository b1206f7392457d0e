import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './cli.js';
import { freePort, stopProcess, waitFor } from './redis-server.js';

/** The Debian package's binary (.ci/run installs `haproxy`). */
export const HAPROXY_BIN = '/usr/sbin/haproxy';

/** The config we ship; the tests run it, with only the listen address and the servers replaced. */
export const SHIPPED_HAPROXY_CFG = join(REPO, 'deploy', 'haproxy.cfg');

/** Why tests that need HAProxy cannot run here, or undefined when they can. */
export function haproxyMissing(): string | undefined {
  return existsSync(HAPROXY_BIN)
    ? undefined
    : `${HAPROXY_BIN} not installed (Debian package haproxy; .ci/run installs it)`;
}

export interface HaproxyBackend {
  name: string;
  port: number;
}

/**
 * The shipped config pointed at 127.0.0.1: the frontend's `bind` becomes `127.0.0.1:<port>` and the
 * backend's `server` lines become one per given backend. Everything else (balance, stick table, health
 * check) is the shipped text, so the tests prove the config users copy.
 */
export function renderHaproxyConfig(
  template: string,
  port: number,
  backends: readonly HaproxyBackend[],
): string {
  const lines = template.split('\n');
  const bind = lines.findIndex((l) => /^\s+bind\s/.test(l));
  const servers = lines.flatMap((l, i) => (/^\s+server\s/.test(l) ? [i] : []));
  if (bind < 0 || servers.length === 0)
    throw new Error('haproxy template needs a bind line and server lines');
  const indent = (lines[servers[0] as number] as string).match(/^\s+/)?.[0] ?? '    ';
  const out = lines.map((l, i) => (i === bind ? `${indent}bind 127.0.0.1:${port}` : l));
  const replacement = backends.map((b) => `${indent}server ${b.name} 127.0.0.1:${b.port}`);
  out.splice(servers[0] as number, servers.length, ...replacement);
  return out.join('\n');
}

/** A running HAProxy on 127.0.0.1. */
export interface Haproxy {
  readonly port: number;
  readonly url: string;
  /** What HAProxy logged (httplog lines name the backend server of each request). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Write the config (the shipped one by default) for `backends` and start HAProxy in the foreground on a free
 * 127.0.0.1 port; resolves once the frontend accepts and answers an HTTP request.
 */
export async function startHaproxy(
  backends: readonly HaproxyBackend[],
  options: { template?: string } = {},
): Promise<Haproxy> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'capseal-haproxy-'));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    renderHaproxyConfig(options.template ?? readFileSync(SHIPPED_HAPROXY_CFG, 'utf8'), port, backends),
  );
  let output = '';
  const child: ChildProcess = spawn(HAPROXY_BIN, ['-db', '-f', cfg], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (d) => (output += d));
  const stop = async () => {
    await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`haproxy exited ${child.exitCode}:\n${output}`);
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.status !== 503;
    }, `haproxy on port ${port}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, url: `http://127.0.0.1:${port}`, output: () => output, stop };
}
