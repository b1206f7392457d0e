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

  describe('with an explicit launch pattern in the lock', () => {
    const patterned = entry({
      args: ['-y', '@mcp/fs@1.0.0', '/srv/docs'],
      cwd: '/srv/docs',
      launchPattern: { args: { '3': '/srv/*' }, cwd: '/srv/*' },
    });

    it('accepts arguments and a working directory the pattern matches', () => {
      expect(checkLaunch(patterned, { ...launch, args: ['-y', '@mcp/fs@1.0.0', '/srv/wiki'] })).toEqual([
        { field: 'cwd', detail: expect.stringContaining('or the pattern /srv/*') },
      ]);
      expect(
        checkLaunch(patterned, { ...launch, args: ['-y', '@mcp/fs@1.0.0', '/srv/wiki'], cwd: '/srv/wiki' }),
      ).toEqual([]);
    });

    it.each([
      ['a root outside the glob', ['-y', '@mcp/fs@1.0.0', '/']],
      ['a traversal out of it', ['-y', '@mcp/fs@1.0.0', '/srv/../etc']],
      ['a hidden directory', ['-y', '@mcp/fs@1.0.0', '/srv/.ssh']],
      ['one argument more', ['-y', '@mcp/fs@1.0.0', '/srv/docs', '/']],
      ['another package (a position without a glob stays exact)', ['-y', '@mcp/fs@6.6.6', '/srv/docs']],
      ['a negation', ['-y', '@mcp/fs@1.0.0', '!/srv/docs']],
    ])('refuses %s, naming the pattern', (_what, args) => {
      expect(checkLaunch(patterned, { ...launch, args, cwd: '/srv/docs' })).toEqual([
        { field: 'args', detail: expect.stringContaining('nor its launch pattern {"3":"/srv/*"}') },
      ]);
    });

    it('never lets a pattern stand for the command, env names or code-loading flags', () => {
      const unpinned = entry(
        { command: 'node', args: ['server.js'], launchPattern: { args: { '1': '*' } } },
        { kind: 'unresolved', reason: 'x' },
      );
      expect(checkLaunch(unpinned, { command: 'node', args: ['other.js'], envNames: [] })).toEqual([]);
      expect(
        checkLaunch(unpinned, { command: 'node', args: ['--inspect'], envNames: ['X'] }).map((f) => f.field),
      ).toEqual(['env', 'code-loading']);
      expect(checkLaunch(unpinned, { command: 'bun', args: ['x.js'], envNames: [] })[0]?.field).toBe(
        'command',
      );
    });

    it('resolves a relative cwd glob against the same directory as the cwds', () => {
      const rel = entry({ cwd: 'work/a', launchPattern: { cwd: 'work/*' } });
      expect(checkLaunch(rel, { ...launch, cwd: '/base/work/b' }, '/base')).toEqual([]);
      expect(checkLaunch(rel, { ...launch, cwd: '/base/other' }, '/base')[0]?.field).toBe('cwd');
    });
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
