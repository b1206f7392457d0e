import type { Drift, Severity } from '../diff/index.js';
import { SEVERITIES } from '../diff/index.js';
import type { Verdict } from '../policy/index.js';
import type { Outcome } from '../shared/index.js';

/** The action's outputs, as strings (GITHUB_OUTPUT holds text). */
export interface ActionOutputs {
  'drift-count': string;
  'max-severity': Severity | 'none';
  violations: string;
  'report-path': string;
  'sarif-path': string;
  'lockfile-path': string;
  outcome: Outcome;
}

/** The most severe drift, or `none`. */
export function maxSeverityOf(drifts: readonly Drift[]): Severity | 'none' {
  for (const severity of SEVERITIES) if (drifts.some((d) => d.severity === severity)) return severity;
  return 'none';
}

/** Policy verdicts that make the gate say no: severity error (evaluation errors included, fail closed). */
export function countViolations(verdicts: readonly Verdict[]): number {
  return verdicts.filter((v) => v.severity === 'error').length;
}

/**
 * The outputs of one run, computed from its results. Pure: the shell writes them with core.setOutput.
 */
export function decideOutputs(args: {
  drifts: readonly Drift[];
  verdicts: readonly Verdict[];
  failed: boolean;
  reportPath?: string;
  sarifPath?: string;
  lockfilePath: string;
}): ActionOutputs {
  return {
    'drift-count': String(args.drifts.length),
    'max-severity': maxSeverityOf(args.drifts),
    violations: String(countViolations(args.verdicts)),
    'report-path': args.reportPath ?? '',
    'sarif-path': args.sarifPath ?? '',
    'lockfile-path': args.lockfilePath,
    outcome: args.failed ? 'fail' : 'pass',
  };
}
