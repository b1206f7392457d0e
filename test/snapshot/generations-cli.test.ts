import { mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// `capseal lock` / `check` / `verify` / `diff` as real processes against the SDK v2 fixture servers.
const dir = mkdtempSync(join(tmpdir(), 'capseal-generations-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const server = (name: string) => ['--', 'node', `fixtures/servers/v2-${name}.mjs`];

describe('lock and check across protocol generations', () => {
  describe.concurrent('the era-split server', () => {
    it('is locked with both surfaces, loudly, and never passes check', async () => {
      const lockPath = join(dir, 'split.json');
      const locked = await runCli(['lock', '--out', lockPath, ...server('era-split')]);
      expect(locked.code).toBe(0);
      expect(locked.stderr).toMatch(/ERA SPLIT: server "v2-era-split"/);
      const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
      expect(lock.lockfileVersion).toBe(2);
      expect(Object.keys(lock.servers['v2-era-split'].eras.legacy.tools)).toEqual(['read_file']);

      const checked = await runCli(['check', '--lock', lockPath, '--format', 'json', ...server('era-split')]);
      expect(checked.code).toBe(1);
      const report = JSON.parse(checked.stdout);
      expect(report.outcome).toBe('fail');
      expect(report.drifts.map((d: { kind: string }) => d.kind)).toEqual(['server.era-split']);
      expect(report.drifts[0].details.join('\n')).toMatch(/new tool "exec_shell"/);
    });

    it('fails a check against a lock taken before the split (as a benign dual-generation server)', async () => {
      const lockPath = join(dir, 'benign.json');
      expect((await runCli(['lock', '--out', lockPath, '--server', 's', ...server('dual')])).code).toBe(0);
      const checked = await runCli(['check', '--lock', lockPath, '--format', 'json', ...server('era-split')]);
      expect(checked.code).toBe(1);
      const kinds = JSON.parse(checked.stdout).drifts.map((d: { kind: string }) => d.kind);
      expect(kinds).toContain('server.era-split');
      expect(kinds).toContain('tool.added');
    });
  });

  it('locks and checks a modern-only server clean', async () => {
    const lockPath = join(dir, 'modern.json');
    const locked = await runCli(['lock', '--out', lockPath, ...server('modern-only')]);
    expect(locked.code).toBe(0);
    expect(locked.stderr).toMatch(/v2-modern-only done in \d+ ms \(2026-07-28 only\)/);
    const checked = await runCli(['check', '--lock', lockPath, ...server('modern-only')]);
    expect(checked.stderr + checked.stdout).toMatch(/PASS/);
    expect(checked.code).toBe(0);
  });

  it('still verifies and diffs a version-1 lockfile', async () => {
    const v1 = 'fixtures/locks/server-everything.json';
    const verified = await runCli(['verify', '--key', 'fixtures/keys/alice.pub.pem', v1]);
    expect(verified.code).toBe(0);
    expect(verified.stdout + verified.stderr).toMatch(/verified/);
    const diffed = await runCli(['diff', v1, v1]);
    expect(diffed.code).toBe(0);
  });
});
