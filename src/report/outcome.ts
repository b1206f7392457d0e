import { atOrAbove, type Drift, type Severity } from '../diff/index.js';
import type { Verdict } from '../policy/index.js';
import { type Counts, type Outcome, REPORT_SCHEMA_VERSION, type Report, type ReportKind } from './types.js';

/**
 * The gate: `fail` when any drift is at or above `failOn`, or any policy verdict is an error (rules that
 * failed to evaluate carry their rule's severity and count like any violation: fail closed). Pure.
 */
export function decideOutcome(
  drifts: readonly Drift[],
  verdicts: readonly Verdict[],
  failOn: Severity,
): Outcome {
  if (drifts.some((d) => atOrAbove(d.severity, failOn))) return 'fail';
  if (verdicts.some((v) => v.severity === 'error')) return 'fail';
  return 'pass';
}

function countFindings(drifts: readonly Drift[], verdicts: readonly Verdict[]): Counts {
  const count = <T>(list: readonly T[], pick: (t: T) => boolean) => list.filter(pick).length;
  return {
    critical: count(drifts, (d) => d.severity === 'critical'),
    moderate: count(drifts, (d) => d.severity === 'moderate'),
    info: count(drifts, (d) => d.severity === 'info'),
    policyErrors: count(verdicts, (v) => v.severity === 'error'),
    policyWarnings: count(verdicts, (v) => v.severity === 'warning'),
    policyInfo: count(verdicts, (v) => v.severity === 'info'),
  };
}

/** Assemble a Report from the core's results; counts and outcome are derived, never passed in. Pure. */
export function buildReport(input: {
  kind: ReportKind;
  lockfile: string;
  base?: string;
  servers: readonly string[];
  drifts: readonly Drift[];
  verdicts?: readonly Verdict[];
  failOn: Severity;
}): Report {
  const verdicts = [...(input.verdicts ?? [])];
  const report: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind: input.kind,
    lockfile: input.lockfile,
    servers: [...input.servers],
    failOn: input.failOn,
    outcome: decideOutcome(input.drifts, verdicts, input.failOn),
    counts: countFindings(input.drifts, verdicts),
    drifts: [...input.drifts],
    verdicts,
  };
  if (input.base !== undefined) report.base = input.base;
  return report;
}
