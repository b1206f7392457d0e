import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildServerEnv, spawnServer } from '../../../src/proxy/io/index.js';

describe('buildServerEnv', () => {
  it('passes only the default set, named variables and explicit values', () => {
    const env = buildServerEnv(
      { PATH: '/bin', HOME: '/home/u', GITHUB_TOKEN: 'secret', API_KEY: 'k', EVIL: '() { :; }' },
      { envNames: ['API_KEY', 'EVIL'], env: { MODE: 'x' } },
    );
    expect(env).toEqual({ PATH: '/bin', HOME: '/home/u', API_KEY: 'k', MODE: 'x' });
  });
});

describe('spawnServer', () => {
  it('runs the server without the parent environment and stops its whole process group', async () => {
    const server = spawnServer(
      {
        command: process.execPath,
        args: [
          '-e',
          // A grandchild that would outlive a plain kill of the leader.
          "const g = require('child_process').spawn(process.execPath, ['-e', 'setInterval(()=>{}, 1000)'], { stdio: 'ignore' }); process.stdout.write(JSON.stringify({ env: process.env, grandchild: g.pid }) + '\\n'); setInterval(() => {}, 1000);",
        ],
      },
      { ...process.env, GITHUB_TOKEN: 'secret' },
    );
    const line = await new Promise<string>((r) =>
      server.child.stdout.once('data', (d: Buffer) => r(d.toString())),
    );
    const { env, grandchild } = JSON.parse(line) as { env: object; grandchild: number };
    expect(Object.keys(env)).not.toContain('GITHUB_TOKEN');
    await server.stop(200);
    expect(await server.exited).toMatchObject({ signal: expect.any(String) });
    // Gone, or a zombie waiting for a reaper (containers often run without one): either way not running.
    const state = existsSync(`/proc/${grandchild}/status`)
      ? /State:\s+(\w)/.exec(readFileSync(`/proc/${grandchild}/status`, 'utf8'))?.[1]
      : 'gone';
    expect(['gone', 'Z', 'X']).toContain(state);
  });

  it('reports a command that cannot start through `exited`, without throwing', async () => {
    const server = spawnServer({ command: '/nonexistent/server', args: [] }, process.env);
    expect(await server.exited).toEqual({ code: null, signal: null });
  });
});
