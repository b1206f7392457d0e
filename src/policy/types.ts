/** Severity of a policy rule. Only `error` makes the gate say no (exit 1). */
export type RuleSeverity = 'error' | 'warning' | 'info';

/** One rule's finding against one subject. Violations are results, not exceptions. */
export interface Verdict {
  pack: string;
  rule: string;
  severity: RuleSeverity;
  /** The interpolated message. */
  message: string;
  server: string;
  /** e.g. `tool:exec_shell`, when the rule is about one entry. */
  subject?: string;
  /** Lockfile path the verdict is about, when known (same dotted form as Drift.path). */
  path?: string;
  references?: string[];
  /** For rules that read `result`: what the rule does to the result (audit, redact, block). */
  action?: 'audit' | 'redact' | 'block';
  /** True when the rule failed to evaluate: counted as a violation (fail closed) and said so. */
  evaluationError?: boolean;
}
