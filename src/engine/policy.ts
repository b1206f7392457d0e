import type { Drift } from '../diff/index.js';
import { compareKeys, type Lockfile } from '../lockfile/index.js';
import { type CompiledPolicy, evaluateLock } from '../policy/index.js';
import { buildReport, type Report } from '../report/index.js';

export interface PolicyCheckOptions {
  /** The lockfile as reports name it. */
  lockPath: string;
  /** The lockfile exactly as it was loaded and verified (preparePreflight): never read again here. */
  lock: Lockfile;
  policy: CompiledPolicy;
  /** Drift to expose to rules as `drift` (e.g. from a diff against the base branch); default none. */
  drifts?: readonly Drift[];
}

/**
 * `capseal policy check` (and the Action's policy mode): evaluate the compiled packs over every server
 * of an already loaded and verified lockfile, and return a Report whose outcome is `fail` when any
 * error-level verdict exists. Reading nothing, it evaluates exactly the bytes the pre-flight verified.
 */
export function runPolicyCheck(options: PolicyCheckOptions): Report {
  const verdicts = evaluateLock(options.policy, options.lock, [...(options.drifts ?? [])]);
  return buildReport({
    kind: 'policy',
    lockfile: options.lockPath,
    servers: Object.keys(options.lock.servers).sort(compareKeys),
    drifts: [],
    verdicts,
    failOn: 'critical',
  });
}
