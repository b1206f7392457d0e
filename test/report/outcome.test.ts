import { describe, expect, it } from 'vitest';
import type { Drift } from '../../src/diff/index.js';
import { buildReport, decideOutcome } from '../../src/report/index.js';

const drift = (severity: Drift['severity']): Drift => ({
  server: 's',
  kind: 'tool.added',
  severity,
  subject: 'tool',
  path: 'servers.s.tools.x',
  message: 'new tool "x"',
});
const verdict = (severity: 'error' | 'warning' | 'info', evaluationError = false) => ({
  pack: 'p',
  rule: 'r',
  severity,
  message: 'm',
  server: 's',
  evaluationError,
});

describe('decideOutcome', () => {
  it.each([
    ['critical', 'critical', 'fail'],
    ['moderate', 'critical', 'pass'],
    ['moderate', 'moderate', 'fail'],
    ['info', 'moderate', 'pass'],
    ['info', 'info', 'fail'],
  ] as const)('a %s drift with fail-on %s is a %s', (severity, failOn, outcome) => {
    expect(decideOutcome([drift(severity)], [], failOn)).toBe(outcome);
  });

  it('fails on any policy error, including a rule that failed to evaluate, but not on warnings', () => {
    expect(decideOutcome([], [verdict('error')], 'critical')).toBe('fail');
    expect(decideOutcome([], [verdict('error', true)], 'critical')).toBe('fail');
    expect(decideOutcome([], [verdict('warning'), verdict('info')], 'info')).toBe('pass');
  });

  it('passes with nothing to report', () => {
    expect(decideOutcome([], [], 'info')).toBe('pass');
  });
});

describe('buildReport', () => {
  it('derives counts and outcome', () => {
    const report = buildReport({
      kind: 'diff',
      lockfile: 'new.json',
      base: 'old.json',
      servers: ['s'],
      drifts: [drift('critical'), drift('info')],
      verdicts: [verdict('warning')],
      failOn: 'critical',
    });
    expect(report.counts).toEqual({
      critical: 1,
      moderate: 0,
      info: 1,
      policyErrors: 0,
      policyWarnings: 1,
      policyInfo: 0,
    });
    expect(report.outcome).toBe('fail');
    expect(report.base).toBe('old.json');
  });
});
