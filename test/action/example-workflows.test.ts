import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO } from './action-process.js';

// The example workflows people copy: pinned, least privilege, no credentials left in the checkout, and
// signing only through the action's own mode in a job that starts no server.

const DIR = join(REPO, '.github', 'workflows', 'examples');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.yml'));

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: unknown;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

function workflow(file: string): Workflow {
  return parse(readFileSync(join(DIR, file), 'utf8')) as Workflow;
}

describe('the example workflows', () => {
  it('are all checked', () => {
    expect(FILES.sort()).toEqual(['drift-watch.yml', 'pr-drift-gate.yml', 'release-sign.yml']);
  });

  it.each(FILES)('%s pins every action by a full commit SHA', (file) => {
    for (const job of Object.values(workflow(file).jobs)) {
      for (const step of job.steps) {
        if (step.uses !== undefined) expect(step.uses).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      }
    }
  });

  it.each(FILES)('%s checks out without persisting credentials', (file) => {
    for (const job of Object.values(workflow(file).jobs)) {
      for (const step of job.steps.filter((s) => s.uses?.startsWith('actions/checkout@'))) {
        expect(step.with?.['persist-credentials']).toBe(false);
      }
    }
  });

  it.each(FILES)('%s declares permissions, never write-all, and never runs capseal from npm', (file) => {
    const text = readFileSync(join(DIR, file), 'utf8');
    expect(text).not.toMatch(/npx\s+(--yes|-y)?\s*capseal/);
    expect(text).not.toMatch(/write-all|read-all/);
    const wf = workflow(file);
    for (const job of Object.values(wf.jobs)) expect(job.permissions ?? wf.permissions).toBeDefined();
  });

  it('signs only in a job that runs the action’s own mode: sign and starts no server', () => {
    const wf = workflow('release-sign.yml');
    const signing = Object.entries(wf.jobs).filter(
      ([, job]) => (job.permissions ?? wf.permissions)?.['id-token'] === 'write',
    );
    expect(signing.map(([name]) => name)).toEqual(['sign']);
    const [, sign] = signing[0] as [string, Job];
    const capseal = sign.steps.filter((s) => s.uses?.startsWith('capseal/capseal@'));
    expect(capseal.map((s) => s.with?.mode)).toEqual(['sign']);
    for (const step of capseal) {
      expect(Object.keys(step.with ?? {}).filter((k) => /config|server/.test(k))).toEqual([]);
    }
    expect(sign.steps.filter((s) => s.run !== undefined)).toEqual([]);
    expect(sign.permissions?.contents).toBe('read');
  });

  it('runs the drift gate again when a pull request is reviewed', () => {
    const on = workflow('pr-drift-gate.yml').on as Record<string, unknown>;
    expect(Object.keys(on)).toEqual(['pull_request', 'pull_request_review']);
  });
});
