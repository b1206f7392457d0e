import { describe, expect, it } from 'vitest';
import type { ServerEntry } from '../../src/lockfile/index.js';
import { checkLaunch, codeLoadingFlags } from '../../src/proxy/index.js';

const npm = { kind: 'npm', name: '@mcp/fs', version: '1.0.0', integrity: 'sha512-x' } as const;
const entry = (
  source: Partial<Extract<ServerEntry['source'], { transport: 'stdio' }>> = {},
  artifact: ServerEntry['artifact'] = npm,
): Pick<ServerEntry, 'source' | 'artifact'> => ({
  source: { transport: 'stdio', command: 'npx', args: ['-y', '@mcp/fs@1.0.0', '/srv/docs'], ...source },
  artifact,
});
const launch = { command: 'npx', args: ['-y', '@mcp/fs@1.0.0', '/srv/docs'], envNames: [] as string[] };

describe('checkLaunch', () => {
  it('finds nothing when the launch is the locked one (the lock’s own env names pass)', () => {
    expect(checkLaunch(entry({ env: ['API_KEY'] }), { ...launch, envNames: ['API_KEY'] })).toEqual([]);
  });

  it.each([
    ['a filesystem server locked on one root run on /', { args: ['-y', '@mcp/fs@1.0.0', '/'] }, 'args'],
    ['another command', { command: 'bunx' }, 'command'],
    ['another working directory', { cwd: '/' }, 'cwd'],
    ['an extra variable', { envNames: ['AWS_SECRET_ACCESS_KEY'] }, 'env'],
  ])('names the difference: %s', (_what, change, field) => {
    expect(checkLaunch(entry(), { ...launch, ...change }).map((f) => f.field)).toContain(field);
  });

  it('refuses code-loading flags and variables when a pin is claimed, even if the lock recorded them', () => {
    const locked = entry(
      { command: 'node', args: ['--import', './hook.mjs', 'server.js'] },
      { kind: 'file', path: 'server.js', sha256: 'a'.repeat(64) },
    );
    const f = checkLaunch(locked, {
      command: 'node',
      args: ['--import', './hook.mjs', 'server.js'],
      envNames: [],
    });
    expect(f).toEqual([{ field: 'code-loading', detail: expect.stringContaining('--import ./hook.mjs') }]);
    expect(checkLaunch(entry(), { ...launch, envNames: ['NODE_OPTIONS'] }).map((x) => x.field)).toEqual([
      'env',
      'code-loading',
    ]);
    // Without a pin there is nothing to misreport: only the launch difference counts.
    const unpinned = entry({}, { kind: 'unresolved', reason: 'x' });
    expect(checkLaunch(unpinned, { ...launch, envNames: ['NODE_OPTIONS'] }).map((x) => x.field)).toEqual([
      'env',
    ]);
  });

  it('refuses a locked URL launched as a command', () => {
    const remote = {
      source: { transport: 'streamable-http', url: 'https://x.example/mcp' },
      artifact: npm,
    } as const;
    expect(checkLaunch(remote, launch)[0]?.field).toBe('transport');
  });
});

describe('codeLoadingFlags', () => {
  it.each([
    ['node', ['--import', 'x.mjs', 'server.js'], ['--import x.mjs']],
    ['/usr/bin/node', ['--require=./x.js', 'server.js'], ['--require=./x.js']],
    ['node', ['-r', 'x', '-e', 'code', 'server.js'], ['-r x', '-e code']],
    ['node', ['--eval', 'require("child_process")'], ['--eval require("child_process")']],
    ['node', ['-p', '1'], ['-p 1']],
    ['node', ['--loader', 'x', 'server.js'], ['--loader x']],
    ['node', ['--experimental-loader=x', 'server.js'], ['--experimental-loader=x']],
    ['node', ['--inspect=0.0.0.0:9229', 'server.js'], ['--inspect=0.0.0.0:9229']],
    ['nodejs', ['--env-file', '.env', 'server.js'], ['--env-file .env']],
    ['node.exe', ['-C', 'evil', 'server.js'], ['-C evil']],
    ['bun', ['--preload', './x.ts', 'server.ts'], ['--preload ./x.ts']],
    ['deno', ['run', '--preload', './x.ts', 'server.ts'], ['--preload ./x.ts']],
    ['python3', ['-c', 'import os'], ['-c import os']],
    ['npx', ['--node-options=--require=x', '-y', 'pkg'], ['--node-options=--require=x']],
    ['npx', ['-c', 'sh -c id'], ['-c sh -c id']],
    ['node', ['server.js', '--import', 'x'], []],
    ['node', ['--max-old-space-size=64', 'server.js'], []],
    ['uvx', ['mcp-server-fetch'], []],
  ])('%s %j → %j', (command, args, expected) => {
    expect(codeLoadingFlags(command, args)).toEqual(expected);
  });
});
