import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Drift } from '../diff/types.js';
import { compareKeys, parseLockfile } from '../lockfile/index.js';
import { compilePacks, evaluateLock, type PolicyLimits } from '../policy/index.js';
import { readPacks } from '../policy/io/read-packs.js';
import { buildReport, type Report } from '../report/index.js';
import { CapsealError } from '../shared/errors.js';

export interface PolicyCheckOptions {
  /** Lockfile path (relative to cwd). */
  lock: string;
  /** Pack references: shipped names (baseline, strict, poisoning, read-only) or file paths. */
  policies: string[];
  cwd: string;
  /** Drift to expose to rules as `drift` (e.g. from a diff against the base branch); default none. */
  drifts?: Drift[];
  limits?: Partial<PolicyLimits>;
}

export interface PolicyCheckResult {
  report: Report;
  /** The lockfile text, for SARIF locations. */
  lockText: string;
}

/**
 * `capseal policy check` (and the Action's policy step): read and validate the lockfile and the packs,
 * compile every rule (any pack problem is INVALID_INPUT, exit 2, before anything runs), evaluate all
 * servers, and return a Report whose outcome is `fail` when any error-level verdict exists.
 */
export async function runPolicyCheck(options: PolicyCheckOptions): Promise<PolicyCheckResult> {
  if (options.policies.length === 0) {
    throw new CapsealError('USAGE', 'policy check: at least one --policy is required', {
      details: ['shipped packs: baseline, strict, poisoning, read-only; or a path to a pack YAML file'],
    });
  }
  let lockText: string;
  try {
    lockText = await readFile(resolve(options.cwd, options.lock), 'utf8');
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `cannot read ${options.lock}`, {
      details: [error instanceof Error ? error.message : String(error)],
    });
  }
  const lock = parseLockfile(lockText, options.lock);
  const policy = compilePacks(
    await readPacks(options.policies, options.cwd),
    options.limits === undefined ? {} : { limits: options.limits },
  );
  const verdicts = evaluateLock(policy, lock, options.drifts ?? []);
  const report = buildReport({
    kind: 'policy',
    lockfile: options.lock,
    servers: Object.keys(lock.servers).sort(compareKeys),
    drifts: [],
    verdicts,
    failOn: 'critical',
  });
  return { report, lockText };
}
