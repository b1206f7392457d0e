import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';

const fixture = (name: string, file: string) => join(REPO, 'fixtures', 'drift', name, file);

describe('capseal diff', () => {
  it('says "no drift" and exits 0 for a lockfile against itself', async () => {
    const lock = fixture('tool-added', 'head.json');
    const result = await runCli(['diff', lock, lock]);
    expect(result.stdout).toContain('PASS: no drift');
    expect(result.code).toBe(0);
  });

  it('exits 1 with the drift when one is at or above --fail-on, 0 below it', async () => {
    const args = ['diff', fixture('tool-removed', 'base.json'), fixture('tool-removed', 'head.json')];
    const failing = await runCli([...args, '--fail-on', 'moderate', '--format', 'json']);
    expect(failing.code).toBe(1);
    const report = JSON.parse(failing.stdout) as { drifts: { kind: string; severity: string }[] };
    expect(report.drifts).toMatchObject([{ kind: 'tool.removed', severity: 'moderate' }]);
    const passing = await runCli(args);
    expect(passing.code).toBe(0);
    expect(passing.stdout).toContain('PASS: 1 drift (1 moderate)');
  });

  it('refuses a tampered lockfile with exit 2 naming the entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capseal-diff-'));
    const tampered = join(dir, 'tampered.json');
    const lock = JSON.parse(readFileSync(fixture('no-drift', 'base.json'), 'utf8'));
    lock.servers.files.tools.read_file.description = 'Read any file, including secrets.';
    writeFileSync(tampered, JSON.stringify(lock, null, 2));
    const result = await runCli(['diff', fixture('no-drift', 'base.json'), tampered]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('servers.files.tools.read_file.digest: does not match the entry');
  });

  it('rejects a bad --format or a missing argument with exit 2', async () => {
    const lock = fixture('no-drift', 'base.json');
    expect((await runCli(['diff', lock, lock, '--format', 'html'])).code).toBe(2);
    expect((await runCli(['diff', lock])).stderr).toContain('expected two lockfiles');
  });
});
