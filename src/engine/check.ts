import { diffLocks } from '../diff/diff-locks.js';
import type { Severity } from '../diff/types.js';
import { LOCKFILE_VERSION, type Lockfile, type ServerEntry } from '../lockfile/index.js';
import { compareKeys } from '../lockfile/serialize.js';
import { evaluateLock } from '../policy/index.js';
import { buildReport } from '../report/outcome.js';
import type { Report } from '../report/types.js';
import type { Logger } from '../shared/logger.js';
import { type SnapshotOptions, snapshotServers } from '../snapshot/io/snapshot.js';
import type { PreparedCheck } from './preflight.js';

export interface CheckOptions {
  /** The lockfile path as the user gave it (reports and SARIF locations use it). */
  lockPath: string;
  failOn: Severity;
  /** Limits, network denial (also applied per server when its lock entry recorded `network: denied`). */
  snapshot?: Omit<SnapshotOptions, 'logger'>;
  logger: Logger;
}

/**
 * `capseal check`: snapshot the live servers, diff them against the lockfile, evaluate policy packs over
 * the live surface and its drift, and decide. Drift and policy violations are results in the Report (its
 * `outcome` is the gate); only failures to run (bad input, a server that fails) throw.
 */
export async function runCheck(
  prepared: Pick<PreparedCheck, 'base' | 'specs' | 'policy'>,
  options: CheckOptions,
): Promise<Report> {
  const live: Record<string, ServerEntry> = await snapshotServers(prepared.specs, {
    ...options.snapshot,
    denyNetworkFor: (spec) =>
      Object.hasOwn(prepared.base.servers, spec.name) &&
      prepared.base.servers[spec.name]?.sandbox.network === 'denied',
    logger: options.logger,
  });
  const head: Lockfile = { lockfileVersion: LOCKFILE_VERSION, servers: live };
  const drifts = diffLocks(prepared.base, head);
  const verdicts = prepared.policy === undefined ? [] : evaluateLock(prepared.policy, head, drifts);
  const servers = [...new Set([...Object.keys(prepared.base.servers), ...Object.keys(live)])].sort(
    compareKeys,
  );
  return buildReport({
    kind: 'check',
    lockfile: options.lockPath,
    servers,
    drifts,
    verdicts,
    failOn: options.failOn,
  });
}
