import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffLocks } from '../../src/diff/index.js';
import { parseLockfile } from '../../src/lockfile/index.js';
import type { Verdict } from '../../src/policy/types.js';
import { buildReport } from '../../src/report/index.js';
import type { Report } from '../../src/report/types.js';

const root = join(import.meta.dirname, '..', '..', 'fixtures', 'drift');

/** base/head text of a golden drift case. */
export function driftCase(name: string): { base: string; head: string } {
  return {
    base: readFileSync(join(root, name, 'base.json'), 'utf8'),
    head: readFileSync(join(root, name, 'head.json'), 'utf8'),
  };
}

export const verdicts: Verdict[] = [
  {
    pack: 'baseline',
    rule: 'no-shell-tools',
    severity: 'error',
    message: 'tool "read_fіle" looks like a shell | exec',
    server: 'files',
    subject: 'tool:read_fіle',
    path: 'servers.files.tools["read_fіle"]',
  },
  { pack: 'baseline', rule: 'artifact-pinned', severity: 'warning', message: 'pinned', server: 'files' },
];

/** A check report over one golden case (lockfile = the case's base). */
export function sampleReport(
  name: string,
  extra: { verdicts?: Verdict[] } = {},
): { report: Report; lockText: string } {
  const { base, head } = driftCase(name);
  const drifts = diffLocks(parseLockfile(base), parseLockfile(head));
  const report = buildReport({
    kind: 'check',
    lockfile: 'mcp-lock.json',
    servers: ['files'],
    drifts,
    verdicts: extra.verdicts ?? [],
    failOn: 'critical',
  });
  return { report, lockText: base };
}
