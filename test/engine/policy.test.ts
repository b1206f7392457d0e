import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPolicyCheck } from '../../src/engine/policy.js';
import { preparePreflight } from '../../src/engine/preflight.js';
import { serializeLockfile } from '../../src/lockfile/index.js';
import { compilePacks } from '../../src/policy/index.js';
import { readPacks } from '../../src/policy/io/read-packs.js';
import { CapsealError } from '../../src/shared/errors.js';
import { REPO } from '../helpers/cli.js';
import { lockfile, serverEntry, tool } from '../helpers/factories.js';

const dir = mkdtempSync(join(tmpdir(), 'capseal-policy-engine-'));
const lock = lockfile({ demo: serverEntry({ tools: [tool('run_shell')] }) });
writeFileSync(join(dir, 'mcp-lock.json'), serializeLockfile(lock));
const compiled = async (refs: string[]) => compilePacks(await readPacks(refs, dir));

describe('runPolicyCheck', () => {
  it('returns a policy Report whose outcome follows error-level verdicts', async () => {
    const report = runPolicyCheck({ lockPath: 'mcp-lock.json', lock, policy: await compiled(['strict']) });
    expect(report).toMatchObject({
      kind: 'policy',
      lockfile: 'mcp-lock.json',
      servers: ['demo'],
      outcome: 'fail',
      drifts: [],
    });
    expect(report.verdicts.map((v) => v.rule)).toContain('no-shell-tool');
    expect(report.counts.policyErrors).toBe(report.verdicts.filter((v) => v.severity === 'error').length);
  });

  it('passes with warnings only', async () => {
    const report = runPolicyCheck({ lockPath: 'l', lock, policy: await compiled(['baseline']) });
    expect(report.outcome).toBe('pass');
    expect(report.counts.policyWarnings).toBeGreaterThan(0);
  });

  it('feeds drift to rules', async () => {
    const report = runPolicyCheck({
      lockPath: 'mcp-lock.json',
      lock,
      policy: await compiled(['strict']),
      drifts: [
        {
          server: 'demo',
          kind: 'tool.added',
          severity: 'critical',
          subject: 'tool',
          key: 'run_shell',
          path: 'servers.demo.tools.run_shell',
          message: 'new tool',
        },
      ],
    });
    expect(report.verdicts.filter((v) => v.rule === 'no-critical-drift').map((v) => v.subject)).toEqual([
      'tool:run_shell',
    ]);
  });
});

describe('preparePreflight', () => {
  it('compiles the packs and loads the lockfile text it verified', async () => {
    const pre = await preparePreflight({
      verify: { path: join(dir, 'mcp-lock.json') },
      policies: ['strict'],
      cwd: dir,
    });
    expect(pre.lock).toEqual(lock);
    expect(pre.lockText).toBe(serializeLockfile(lock));
    expect(pre.signature).toBe('none');
    expect(pre.policy?.rules.length).toBeGreaterThan(0);
  });

  it.each([
    ['a missing lockfile', 'missing.json', ['baseline'], 'INVALID_INPUT'],
    ['a broken pack', 'mcp-lock.json', [join(REPO, 'fixtures/policies/broken.yaml')], 'INVALID_INPUT'],
  ])('refuses %s', async (_name, file, policies, code) => {
    const error = await preparePreflight({ verify: { path: join(dir, file) }, policies, cwd: dir }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CapsealError);
    expect((error as CapsealError).code).toBe(code);
  });

  it('compiles the packs before it reads the lockfile (a pack error wins over a missing lockfile)', async () => {
    const error = await preparePreflight({
      verify: { path: join(dir, 'missing.json') },
      policies: [join(REPO, 'fixtures/policies/broken.yaml')],
      cwd: dir,
    }).catch((e: unknown) => e);
    expect((error as CapsealError).message).toMatch(/pack/);
  });
});
