/** Severity of one drift, most severe first. */
export const SEVERITIES = ['critical', 'moderate', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** True when `severity` is at or above `threshold` (critical ≥ moderate ≥ info). */
export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}

/** What a drift is about. `server` covers info, instructions, capabilities, source and artifact. */
export type DriftSubject = 'server' | 'tool' | 'prompt' | 'resource' | 'resourceTemplate';

/**
 * One difference between a base and a head lockfile (or a lockfile and a live snapshot). Drift is a result,
 * not an error. `path` is the lockfile path it concerns (`servers.<name>.tools.<key>.description`, the same
 * dotted form formatPath() produces) so reports can point at lines of mcp-lock.json.
 */
export interface Drift {
  server: string;
  /** Stable machine name of the rule, e.g. `tool.added`, `tool.description.changed`. See diff/README rules. */
  kind: string;
  severity: Severity;
  subject: DriftSubject;
  /** Entry key (tool name, prompt name, resource URI, template) when the subject is an entry. */
  key?: string;
  path: string;
  /** One human sentence, e.g. "new tool `exec_shell`". */
  message: string;
  before?: unknown;
  after?: unknown;
  /** Itemized reasons when one drift bundles several findings (e.g. each way an input schema broadened). */
  details?: string[];
}
