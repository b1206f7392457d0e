import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO } from '../helpers/cli.js';

// The pull-request config risk (docs/sandbox.md): a job that launches servers must not hold a credential
// worth stealing. Every example workflow is checked: a job with a capseal step in a mode that starts
// servers (check, the default, or lock) has neither id-token: write nor contents: write.
const DIR = join(REPO, '.github', 'workflows', 'examples');
const LAUNCHING = new Set(['check', 'lock']);

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string> | string;
  steps?: Step[];
}

function launches(job: Job): boolean {
  return (job.steps ?? []).some(
    (s) => /capseal\/capseal|^\.\/?$/.test(s.uses ?? '') && LAUNCHING.has(String(s.with?.mode ?? 'check')),
  );
}

function writes(permissions: Job['permissions']): string[] {
  if (permissions === 'write-all') return ['write-all'];
  if (permissions === undefined || typeof permissions === 'string') return [];
  return ['id-token', 'contents'].filter((p) => permissions[p] === 'write');
}

describe('example workflows', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'));
  it.each(files)('%s: no job that launches servers holds id-token: write or contents: write', (file) => {
    const workflow = parse(readFileSync(join(DIR, file), 'utf8')) as {
      permissions?: Job['permissions'];
      jobs: Record<string, Job>;
    };
    for (const [name, job] of Object.entries(workflow.jobs)) {
      if (!launches(job)) continue;
      // A job without its own permissions gets the workflow's (GitHub's rule); none at all means the
      // repository default, which may be write: an example must say.
      const effective = job.permissions ?? workflow.permissions;
      expect(effective, `${file}: job ${name} sets no permissions`).toBeDefined();
      expect(writes(effective), `${file}: job ${name}`).toEqual([]);
    }
  });

  it('release-sign.yml signs in a job that launches no server', () => {
    const workflow = parse(readFileSync(join(DIR, 'release-sign.yml'), 'utf8')) as {
      jobs: Record<string, Job>;
    };
    // The signing job holds only id-token: write; committing the bundle is a third job with contents: write.
    expect(writes(workflow.jobs.sign?.permissions)).toEqual(['id-token']);
    expect(launches(workflow.jobs.sign as Job)).toBe(false);
    expect(launches(workflow.jobs.check as Job)).toBe(true);
  });
});
