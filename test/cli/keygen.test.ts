import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('capseal keygen', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capseal-keygen-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes a 0600 private key and a public key, prints the key id, and never overwrites without --force', async () => {
    const args = ['keygen', '--private', join(dir, 'signing.pem'), '--public', join(dir, 'signing.pub.pem')];
    const first = await runCli(args);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^key id: sha256:[0-9a-f]{64}$/m);
    expect(statSync(join(dir, 'signing.pem')).mode & 0o777).toBe(0o600);
    const before = readFileSync(join(dir, 'signing.pem'), 'utf8');

    const again = await runCli(args);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/signing\.pem already exists \(use --force to replace it\)/);
    expect(readFileSync(join(dir, 'signing.pem'), 'utf8')).toBe(before);

    const forced = await runCli([...args, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'signing.pem'), 'utf8')).not.toBe(before);
    expect(statSync(join(dir, 'signing.pem')).mode & 0o777).toBe(0o600);
  });

  it('is a usage error (exit 2) without both paths', async () => {
    const result = await runCli(['keygen', '--private', join(dir, 'only.pem')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--private FILE and --public FILE are both required');
  });
});
