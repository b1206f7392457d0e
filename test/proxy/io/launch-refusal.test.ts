import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { connectThroughProxy, fixture, lockServer } from '../helpers.js';

// The launch check at proxy start-up, on the real CLI: a launch other than the locked one is refused
// (exit 1) before anything is spawned, naming the difference; --allow-launch-change runs it anyway.
const node = process.execPath;
const ECHO = fixture('proxy-echo.mjs');
let lockPath = '';

beforeAll(async () => {
  ({ lockPath } = await lockServer('echo', [node, ECHO]));
}, 60_000);

describe('capseal proxy refuses a launch the lockfile does not record', () => {
  it('exits 1 naming the changed argument, and starts nothing', async () => {
    const marker = join(await mkdtemp(join(tmpdir(), 'capseal-launch-')), 'ran');
    const evil = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`;
    const r = await runCli(['proxy', '--lock', lockPath, '--', node, '-e', evil]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/launch differs from the lockfile/);
    expect(r.stderr).toMatch(/args: arguments/);
    expect(r.stderr).toMatch(/--allow-launch-change/);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses code-loading flags in front of the pinned script', async () => {
    const r = await runCli(['proxy', '--lock', lockPath, '--', node, '--import', ECHO, ECHO]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/code-loading: --import/);
  });

  it('refuses an extra variable such as NODE_OPTIONS', async () => {
    const r = await runCli(['proxy', '--lock', lockPath, '--env', 'NODE_OPTIONS', '--', node, ECHO]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/env: passes NODE_OPTIONS/);
  });

  it('runs a changed launch with --allow-launch-change, and says so', async () => {
    const c = await connectThroughProxy(['--lock', lockPath, '--allow-launch-change'], [node, ECHO, '3']);
    try {
      const r = await c.client.callTool({ name: 'echo', arguments: { text: 'hi' } });
      expect(r.content).toEqual([{ type: 'text', text: 'hi' }]);
      expect(c.stderr()).toMatch(/launch change allowed \(--allow-launch-change\): args/);
    } finally {
      await c.client.close();
    }
  });
});
