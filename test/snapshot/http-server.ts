import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

// Test helpers (not a test file): a free loopback port, and server-everything in an HTTP mode on it.
const REPO = join(import.meta.dirname, '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Start server-everything in an HTTP mode on a port and wait until it says it listens. */
export function startHttpEverything(port: number, mode: 'streamableHttp' | 'sse'): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(REPO, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'), mode],
      { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server-everything ${mode} did not start: ${output}`));
    }, 20_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (/(listening|running) on port/i.test(output)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server-everything ${mode} exited ${code}: ${output}`)));
  });
}
