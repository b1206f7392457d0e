import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPolicyCheck } from '../../src/engine/policy.js';
import { serializeLockfile } from '../../src/lockfile/index.js';
import { CapsealError } from '../../src/shared/errors.js';
import { REPO } from '../helpers/cli.js';
import { lockfile, serverEntry, tool } from '../helpers/factories.js';

const dir = mkdtempSync(join(tmpdir(), 'capseal-policy-engine-'));
writeFileSync(
  join(dir, 'mcp-lock.json'),
  serializeLockfile(lockfile({ demo: serverEntry({ tools: [tool('run_shell')] }) })),
);

describe('runPolicyCheck', () => {
  it('returns a policy Report whose outcome follows error-level verdicts', async () => {
    const { report, lockText } = await runPolicyCheck({
      lock: 'mcp-lock.json',
      policies: ['strict'],
      cwd: dir,
    });
    expect(report).toMatchObject({
      kind: 'policy',
      lockfile: 'mcp-lock.json',
      servers: ['demo'],
      outcome: 'fail',
      drifts: [],
    });
    expect(report.verdicts.map((v) => v.rule)).toContain('no-shell-tool');
    expect(report.counts.policyErrors).toBe(report.verdicts.filter((v) => v.severity === 'error').length);
    expect(lockText).toMatch(/"lockfileVersion": 2/);
  });

  it('passes with warnings only', async () => {
    const { report } = await runPolicyCheck({ lock: 'mcp-lock.json', policies: ['baseline'], cwd: dir });
    expect(report.outcome).toBe('pass');
    expect(report.counts.policyWarnings).toBeGreaterThan(0);
  });

  it('feeds drift to rules', async () => {
    const { report } = await runPolicyCheck({
      lock: 'mcp-lock.json',
      policies: ['strict'],
      cwd: dir,
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

  it.each([
    ['no policy', 'mcp-lock.json', [], 'USAGE'],
    ['a missing lockfile', 'missing.json', ['baseline'], 'INVALID_INPUT'],
    ['a broken pack', 'mcp-lock.json', [join(REPO, 'fixtures/policies/broken.yaml')], 'INVALID_INPUT'],
  ])('refuses %s', async (_name, lock, policies, code) => {
    const error = await runPolicyCheck({ lock, policies, cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapsealError);
    expect((error as CapsealError).code).toBe(code);
  });
});
