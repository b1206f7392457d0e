import type { Severity } from '../diff/index.js';
import { diffLocks } from '../diff/index.js';
import { compareKeys, LOCKFILE_VERSION, type Lockfile, type ServerEntry } from '../lockfile/index.js';
import { evaluateLock } from '../policy/index.js';
import type { Report } from '../report/index.js';
import { buildReport } from '../report/index.js';
import type { Logger } from '../shared/index.js';
import { type SnapshotOptions, snapshotServers } from '../snapshot/io/index.js';
import type { PreparedCheck } from './preflight.js';

export interface CheckOptions {
  /** The lockfile path as the user gave it (reports and SARIF locations use it). */
  lockPath: string;
  failOn: Severity;
  /** Limits and sandbox settings (network denied unless allowed explicitly). */
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
  // Network stays denied unless the caller allowed it; a downloaded package must match its pin.
  const live: Record<string, ServerEntry> = await snapshotServers(prepared.specs, {
    ...options.snapshot,
    pinFor: (spec) =>
      Object.hasOwn(prepared.base.servers, spec.name)
        ? prepared.base.servers[spec.name]?.artifact
        : undefined,
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
