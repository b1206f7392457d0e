import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareSandbox } from '../../../src/snapshot/io/sandbox.js';

const REPO = join(import.meta.dirname, '..', '..', '..');

describe('prepareSandbox', () => {
  it('builds an allow-listed env, a temp HOME and cwd, and absolute script paths; cleanup removes them', async () => {
    const prepared = await prepareSandbox(
      {
        name: 's',
        transport: 'stdio',
        command: 'node',
        args: ['fixtures/servers/drifting.mjs', 'stdio', '.'],
        env: { A: '1' },
        baseDir: REPO,
      },
      { parentEnv: { PATH: '/usr/bin', GITHUB_TOKEN: 'secret', HOME: '/root' } },
    );
    expect(Object.keys(prepared.spawn.env).sort()).toEqual(['A', 'HOME', 'PATH']);
    expect(prepared.spawn.env.HOME).toMatch(/capseal-.*\/home$/);
    expect(prepared.spawn.cwd).toMatch(/capseal-.*\/work$/);
    expect(prepared.spawn.args).toEqual([join(REPO, 'fixtures/servers/drifting.mjs'), 'stdio', REPO]);
    expect(prepared.sandbox).toEqual({ env: 'allow-list', home: 'temp', cwd: 'temp', network: 'allowed' });
    await prepared.cleanup();
    expect(existsSync(prepared.spawn.cwd)).toBe(false);
  });

  it('links only the locally installed npx package (and its bins) into the temp cwd, so npx runs it offline', async () => {
    const prepared = await prepareSandbox(
      {
        name: 'e',
        transport: 'stdio',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-everything'],
        baseDir: REPO,
      },
      { plan: { kind: 'npm', name: '@modelcontextprotocol/server-everything' }, localVersion: '2026.8.31' },
    );
    const modules = join(prepared.spawn.cwd, 'node_modules');
    expect(lstatSync(join(modules, '@modelcontextprotocol/server-everything')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(modules, '.bin/mcp-server-everything')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(modules, '@modelcontextprotocol/server-filesystem'))).toBe(false);
    await prepared.cleanup();
  });

  it('uses a configured cwd, relative to baseDir', async () => {
    const prepared = await prepareSandbox(
      { name: 's', transport: 'stdio', command: 'node', args: [], cwd: 'fixtures', baseDir: REPO },
      {},
    );
    expect(prepared.spawn.cwd).toBe(join(REPO, 'fixtures'));
    expect(prepared.sandbox.cwd).toBe('configured');
    await prepared.cleanup();
  });
});
