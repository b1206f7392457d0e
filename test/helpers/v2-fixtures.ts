import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ServerSpec } from '../../src/snapshot/types.js';

// Test helpers (not a test file): the SDK v2 fixture servers (fixtures/servers/v2-*.mjs) over stdio and
// Streamable HTTP.
export const REPO = join(import.meta.dirname, '..', '..');

/** A v2 fixture server as a stdio spec. */
export function v2Stdio(name: string, env?: Record<string, string>): ServerSpec {
  return {
    name,
    transport: 'stdio',
    command: process.execPath,
    args: [`fixtures/servers/v2-${name}.mjs`],
    ...(env === undefined ? {} : { env }),
    baseDir: REPO,
  };
}

/** Start a v2 fixture server on a free loopback port; resolves with its /mcp URL once it listens. */
export function startV2Http(
  name: string,
  env: Record<string, string> = {},
): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO, `fixtures/servers/v2-${name}.mjs`), '--http'], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`v2-${name} --http did not start: ${output}`));
    }, 20_000);
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(output);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ url: m[1], child });
      }
    });
    child.once('exit', (code) => reject(new Error(`v2-${name} --http exited ${code}: ${output}`)));
  });
}
