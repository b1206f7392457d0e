import { describe, expect, it } from 'vitest';
import { countViolations, decideOutputs, maxSeverityOf } from '../../src/action/outcome.js';
import type { Drift } from '../../src/diff/types.js';
import type { Verdict } from '../../src/policy/types.js';

const drift = (severity: Drift['severity']): Drift => ({
  server: 's',
  kind: 'k',
  severity,
  subject: 'tool',
  path: 'servers.s',
  message: 'm',
});
const verdict = (severity: Verdict['severity']): Verdict => ({
  pack: 'p',
  rule: 'r',
  severity,
  message: 'm',
  server: 's',
});

describe('action outputs', () => {
  it.each([
    [[], 'none'],
    [[drift('info')], 'info'],
    [[drift('info'), drift('moderate')], 'moderate'],
    [[drift('moderate'), drift('critical'), drift('info')], 'critical'],
  ] as const)('max-severity of %j is %s', (drifts, expected) => {
    expect(maxSeverityOf(drifts)).toBe(expected);
  });

  it('counts only error verdicts as violations', () => {
    expect(countViolations([verdict('error'), verdict('warning'), verdict('info'), verdict('error')])).toBe(
      2,
    );
  });

  it('renders every output as text', () => {
    expect(
      decideOutputs({
        drifts: [drift('critical')],
        verdicts: [verdict('error')],
        failed: true,
        reportPath: '/tmp/r.md',
        lockfilePath: '/w/mcp-lock.json',
      }),
    ).toEqual({
      'drift-count': '1',
      'max-severity': 'critical',
      violations: '1',
      'report-path': '/tmp/r.md',
      'sarif-path': '',
      'lockfile-path': '/w/mcp-lock.json',
      outcome: 'fail',
    });
  });
});
