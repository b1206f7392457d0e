import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLockfile } from '../../src/lockfile/index.js';
import { REPO, runCli } from '../helpers/cli.js';

// A host config as users have it after following the README: each server wrapped in `capseal proxy`, a
// `${VAR:-default}` in its env, the lockfile somewhere else than the config.
describe('lock and check --config read a config the way the host does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capseal-host-config-'));
  const lock = join(dir, 'mcp-lock.json');
  const config = 'fixtures/config/wrapped.json';

  it('locks the server the proxy guards, recorded relative to the lockfile, and says so', async () => {
    const result = await runCli(['lock', '--config', config, '--out', lock]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      `capseal: ${config}: server "drifting" runs capseal proxy; using the server it guards (node ../servers/drifting.mjs)`,
    );
    const source = parseLockfile(readFileSync(lock, 'utf8')).servers.drifting?.source;
    const script = relative(dir, join(REPO, 'fixtures', 'servers', 'drifting.mjs'));
    expect(source).toEqual({ transport: 'stdio', command: 'node', args: [script], env: ['DRIFT'] });
  });

  it('checks it again through the same config: no drift, then the drift the variable selects', async () => {
    const clean = await runCli(['check', '--lock', lock, '--config', config]);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    const drifted = await runCli(['check', '--lock', lock, '--config', config], {
      env: { ...process.env, CAPSEAL_TEST_DRIFT: 'add-tool' },
    });
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toContain('tool.added');
  });
});
