import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPolicyInput, compilePacks, evaluatePolicy } from '../../src/policy/index.js';
import { REPO } from '../helpers/cli.js';
import { serverEntry, tool } from '../helpers/factories.js';

const text = readFileSync(join(REPO, 'fixtures/policies/pathological.yaml'), 'utf8');
const many = serverEntry({ tools: Array.from({ length: 300 }, (_, i) => tool(`t${i}`)) });
const input = buildPolicyInput({ name: 'big', entry: many });

describe('evaluation bounds', () => {
  it('stops a cubic rule at the step budget, even when || true would swallow the error', () => {
    const policy = compilePacks([{ origin: 'pathological.yaml', text }], {
      limits: { maxStepsPerRule: 50_000 },
    });
    const verdicts = evaluatePolicy(policy, input);
    expect(verdicts).toEqual([
      expect.objectContaining({
        rule: 'cubic',
        severity: 'warning',
        evaluationError: true,
        message: 'rule failed to evaluate (counted as a violation): step budget exceeded (50000 steps)',
      }),
    ]);
  });

  it('stops at the time budget with an injected clock, and reports the rules it could not run', () => {
    let t = 0;
    const policy = compilePacks([{ origin: 'pathological.yaml', text }], {
      limits: { timeBudgetMs: 100, now: () => (t += 7) },
    });
    const verdicts = evaluatePolicy(policy, input);
    expect(verdicts.map((v) => [v.rule, v.evaluationError])).toEqual([
      ['cubic', true],
      ['cheap', true],
    ]);
    expect(verdicts[0]?.message).toMatch(/time budget exceeded/);
    expect(verdicts[1]?.message).toMatch(/not evaluated: the policy time budget \(100 ms\) was exhausted/);
  });

  it('charges custom functions by input length, so huge strings cannot run unbounded', () => {
    const huge = serverEntry({ tools: [tool('x', { description: 'a'.repeat(2_000_000) })] });
    const policy = compilePacks(
      [
        {
          origin: 'p.yaml',
          text: 'name: p\ndescription: d\nrules:\n  - {id: a, description: d, severity: error, scope: tool, deny: "[1,2,3,4,5,6,7,8,9,10].exists(i, hasPoison(tool.description + string(i), \'override\'))", message: m}\n',
        },
      ],
      { limits: { maxStepsPerRule: 20_000 } },
    );
    const [verdict] = evaluatePolicy(policy, buildPolicyInput({ name: 's', entry: huge }));
    expect(verdict?.evaluationError).toBe(true);
    expect(verdict?.message).toMatch(/step budget exceeded/);
  });
});
