import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareLaunch } from '../../../src/sandbox/io/launch.js';
import { DEFAULT_SANDBOX_SETTINGS, type SandboxSettings } from '../../../src/sandbox/types.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const settings = (over: Partial<SandboxSettings>): SandboxSettings => ({
  ...DEFAULT_SANDBOX_SETTINGS,
  ...over,
});
const parentEnv = { PATH: process.env.PATH ?? '/usr/bin', GITHUB_TOKEN: 'secret', HOME: '/root' };

describe('prepareLaunch', () => {
  describe('with --sandbox off', () => {
    it('builds an allow-listed env, a temp HOME and cwd, and absolute script paths; cleanup removes them', async () => {
      const prepared = await prepareLaunch(
        {
          name: 's',
          command: 'node',
          args: ['fixtures/servers/drifting.mjs', 'stdio', '.'],
          env: { A: '1' },
          baseDir: REPO,
        },
        { settings: settings({ mode: 'off' }), parentEnv },
      );
      expect(Object.keys(prepared.spawn.env).sort()).toEqual(['A', 'HOME', 'PATH']);
      expect(prepared.spawn.env.HOME).toMatch(/capseal-.*\/home$/);
      expect(prepared.spawn.cwd).toMatch(/capseal-.*\/work$/);
      expect(prepared.spawn.args).toEqual([join(REPO, 'fixtures/servers/drifting.mjs'), 'stdio', REPO]);
      expect(prepared.record).toEqual({ env: 'allow-list', home: 'temp', cwd: 'temp', network: 'allowed' });
      expect(prepared.backend).toBeUndefined();
      await prepared.cleanup();
      expect(existsSync(prepared.spawn.cwd)).toBe(false);
    });

    it('uses a configured cwd, relative to baseDir', async () => {
      const prepared = await prepareLaunch(
        { name: 's', command: 'node', args: [], env: {}, cwd: 'fixtures', baseDir: REPO },
        { settings: settings({ mode: 'off' }), parentEnv },
      );
      expect(prepared.spawn.cwd).toBe(join(REPO, 'fixtures'));
      expect(prepared.record.cwd).toBe('configured');
      await prepared.cleanup();
    });
  });

  describe('sandboxed (strict)', () => {
    it('links only the locally installed npx package (and its bins) into the temp cwd, so npx runs it offline', async () => {
      const prepared = await prepareLaunch(
        {
          name: 'e',
          command: 'npx',
          args: ['-y', '@modelcontextprotocol/server-everything'],
          env: {},
          baseDir: REPO,
          npm: { name: '@modelcontextprotocol/server-everything' },
        },
        { settings: settings({ mode: 'strict' }), parentEnv },
      );
      const work = prepared.spawn.args[prepared.spawn.args.indexOf('--chdir') + 1] as string;
      const modules = join(work, 'node_modules');
      expect(lstatSync(join(modules, '@modelcontextprotocol/server-everything')).isSymbolicLink()).toBe(true);
      expect(lstatSync(join(modules, '.bin/mcp-server-everything')).isSymbolicLink()).toBe(true);
      expect(existsSync(join(modules, '@modelcontextprotocol/server-filesystem'))).toBe(false);
      expect(prepared.backend).toBeDefined();
      await prepared.cleanup();
    });

    it('never shows the caller HOME or the runner temp dir, even when an argument names them', async () => {
      const warnings: string[] = [];
      const prepared = await prepareLaunch(
        {
          name: 'h',
          command: 'node',
          args: ['fixtures/servers/drifting.mjs', REPO, '/root'],
          env: {},
          baseDir: REPO,
        },
        {
          settings: settings({ mode: 'strict' }),
          parentEnv,
          logger: { info() {}, debug() {}, warn: (m) => warnings.push(m) },
        },
      );
      expect(warnings.join('\n')).toMatch(/\/root stays invisible in the sandbox/);
      const args = prepared.spawn.args;
      expect(args.join(' ')).not.toMatch(/--(ro-)?bind \/root /);
      // The repository is visible read-only, its .git masked.
      expect(args.join(' ')).toContain(`--ro-bind ${REPO} ${REPO}`);
      expect(args.join(' ')).toMatch(new RegExp(`(--tmpfs|/dev/null) ${join(REPO, '.git')}`));
      expect(prepared.spawn.env).not.toHaveProperty('GITHUB_TOKEN');
      await prepared.cleanup();
    });

    it('refuses in strict mode when no sandbox works, before anything is spawned', async () => {
      await expect(
        prepareLaunch(
          { name: 'x', command: 'node', args: [], env: {}, baseDir: REPO },
          {
            settings: settings({ mode: 'strict' }),
            parentEnv: { ...parentEnv, CAPSEAL_SANDBOX_BACKEND: 'none' },
          },
        ),
      ).rejects.toMatchObject({ code: 'SERVER_FAILED', message: /no usable sandbox \(--sandbox strict\)/ });
    });

    it('warns loudly in auto mode when no sandbox works, naming what is missing', async () => {
      const warnings: string[] = [];
      const prepared = await prepareLaunch(
        { name: 'x', command: 'node', args: [], env: {}, baseDir: REPO },
        {
          settings: settings({ mode: 'auto' }),
          parentEnv: { ...parentEnv, CAPSEAL_SANDBOX_BACKEND: 'none' },
          logger: { info() {}, debug() {}, warn: (m) => warnings.push(m) },
        },
      );
      expect(warnings).toEqual([
        expect.stringMatching(/^RUNNING SERVERS WITHOUT A SANDBOX: CAPSEAL_SANDBOX_BACKEND=none/),
      ]);
      expect(prepared.backend).toBeUndefined();
      await prepared.cleanup();
    });
  });
});
