import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPORT_MARKER } from '../../src/action/review-plan.js';
import { generateEd25519KeyPair } from '../../src/sign/index.js';
import { signLockfileEd25519 } from '../../src/sign/io/sign-lockfile.js';
import { type FakeFile, FakeGitHub, patchBetween } from '../helpers/github-api.js';
import {
  type ActionRun,
  buildActionBundle,
  createRunner,
  REPO,
  type Runner,
  runBundledAction,
  writeDriftConfig,
  writeEvent,
} from './action-process.js';

// The PR gate as a process (the bundled action, the drifting fixture server, a fake GitHub API on
// 127.0.0.1): the base branch it compares with, failing closed when it cannot read it, and approvals.

const HEAD = '4f1c0e2b9d8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b';
const BASE = '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b';
const OLDER = '1111111111111111111111111111111111111111';

let actionJs: string;
let cleanup: () => void;
const github = new FakeGitHub();
const runners: Runner[] = [];
const locks: Record<string, string> = {};

function runner(): Runner {
  const r = createRunner();
  runners.push(r);
  return r;
}

beforeAll(async () => {
  ({ actionJs, cleanup } = await buildActionBundle());
  await github.start();
  const r = runner();
  for (const drift of ['none', 'add-tool']) {
    const config = writeDriftConfig(r, drift);
    await runBundledAction(actionJs, r, {
      event: 'push',
      inputs: { mode: 'lock', config, lockfile: `locks/${drift}.json` },
    });
    locks[drift] = readFileSync(join(r.workspace, 'locks', `${drift}.json`), 'utf8');
  }
}, 480_000);

afterAll(async () => {
  await github.stop();
  cleanup?.();
  for (const r of runners) rmSync(r.root, { recursive: true, force: true });
});

function reset(): void {
  github.reviews = [];
  github.comments = [];
  github.deny = 'none';
  github.failures = [];
  github.permissions.clear();
  github.selfLogin = undefined;
  github.contents.clear();
  github.commits = new Set([BASE, HEAD, OLDER]);
  github.files = [];
}

/**
 * A pull request that re-locks: server and lockfile both gained exec_shell (the live check passes), the
 * base branch's lockfile does not have it.
 */
async function relock(
  options: {
    base?: string | undefined;
    head?: string;
    inputs?: Record<string, string>;
    event?: string;
    r?: Runner;
    files?: FakeFile[];
    env?: Record<string, string>;
    drift?: string;
  } = {},
): Promise<ActionRun> {
  const r = options.r ?? runner();
  const base = 'base' in options ? options.base : locks.none;
  const head = options.head ?? (locks['add-tool'] as string);
  writeFileSync(join(r.workspace, 'mcp-lock.json'), head);
  const config = writeDriftConfig(r, options.drift ?? 'add-tool');
  writeEvent(r, 'pull_request.opened.json');
  if (base !== undefined) github.contents.set(`${BASE}:mcp-lock.json`, base);
  github.contents.set(`${HEAD}:mcp-lock.json`, head);
  github.files = options.files ?? [
    { filename: 'mcp-lock.json', status: 'modified', patch: patchBetween(base ?? '', head) },
  ];
  github.clearRequests();
  return runBundledAction(actionJs, r, {
    apiUrl: github.url,
    event: options.event ?? 'pull_request',
    inputs: { config, comment: 'review', ...options.inputs },
    ...(options.env === undefined ? {} : { env: options.env }),
  });
}

function printed(run: ActionRun): string {
  return run.stdout + run.stderr;
}

function expectNoStack(run: ActionRun): void {
  expect(printed(run)).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(printed(run)).not.toContain('internal error');
}

describe('the PR gate', () => {
  describe('compares the head lockfile with the base branch', () => {
    it('fails a PR that re-locks a new capability, though the live servers match its own lockfile', async () => {
      reset();
      const r = runner();
      const run = await relock({ r });
      expect(run.code).toBe(1);
      expect(run.outputs).toMatchObject({ outcome: 'fail', 'max-severity': 'critical' });
      const full = JSON.parse(readFileSync(join(r.temp, 'capseal-report.json'), 'utf8'));
      expect(full.drifts).toContainEqual(expect.objectContaining({ kind: 'tool.added', key: 'exec_shell' }));
      expect(run.stdout).toMatch(
        /::error::capseal: this pull request changes capabilities at or above critical without an approval/,
      );
      expect(run.summary).toContain('exec_shell');
      expect(github.reviews.map((r) => r.state)).toEqual(['CHANGES_REQUESTED']);
    });

    it('catches it when the PR lists more than the 3,000 files the API shows', async () => {
      reset();
      const files: FakeFile[] = Array.from({ length: 3_001 }, (_, i) => ({
        filename: `vendor/f${i}.js`,
        status: 'added',
        patch: '@@ -0,0 +1 @@\n+x',
      }));
      files.push({
        filename: 'mcp-lock.json',
        status: 'modified',
        patch: patchBetween(locks.none ?? '', locks['add-tool'] ?? ''),
      });
      const run = await relock({ files });
      expect(run.code).toBe(1);
      expect(run.outputs.outcome).toBe('fail');
      expect(run.summary).toContain('exec_shell');
    });

    it('reads the base from a shallow clone’s history, fetching the base commit', async () => {
      reset();
      const r = runner();
      const origin = join(r.root, 'origin');
      mkdirSync(origin);
      const git = (cwd: string, ...args: string[]) =>
        execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
          cwd,
          encoding: 'utf8',
        }).trim();
      git(origin, 'init', '-q', '-b', 'main');
      writeFileSync(join(origin, 'mcp-lock.json'), locks.none as string);
      git(origin, 'add', '.');
      git(origin, 'commit', '-qm', 'base');
      const baseSha = git(origin, 'rev-parse', 'HEAD');
      writeFileSync(join(origin, 'mcp-lock.json'), locks['add-tool'] as string);
      git(origin, 'commit', '-qam', 'head');
      const headSha = git(origin, 'rev-parse', 'HEAD');
      rmSync(r.workspace, { recursive: true });
      git(r.root, 'clone', '-q', '--depth=1', `file://${origin}`, r.workspace);
      expect(() => git(r.workspace, 'cat-file', '-e', `${baseSha}^{commit}`)).toThrow();
      const config = writeDriftConfig(r, 'add-tool');
      const payload = JSON.parse(
        readFileSync(
          join(import.meta.dirname, '..', '..', 'fixtures', 'github', 'pull_request.opened.json'),
          'utf8',
        ),
      );
      payload.pull_request.base.sha = baseSha;
      payload.pull_request.head.sha = headSha;
      writeFileSync(r.eventPath, JSON.stringify(payload));
      github.clearRequests();
      const run = await runBundledAction(actionJs, r, {
        apiUrl: github.url,
        inputs: { config, comment: 'none' },
      });
      expect(run.code, printed(run)).toBe(1);
      expect(run.outputs.outcome).toBe('fail');
      expect(run.summary).toContain('exec_shell');
      expect(github.requests.filter((q) => q.path.includes('/contents/'))).toEqual([]);
      expect(git(r.workspace, 'cat-file', '-t', baseSha)).toBe('commit');
    });

    it('takes the base from the base-lockfile input for other layouts', async () => {
      reset();
      const r = runner();
      writeFileSync(join(r.workspace, 'base-lock.json'), locks['add-tool'] as string);
      const run = await relock({ r, base: undefined, inputs: { 'base-lockfile': 'base-lock.json' } });
      expect(run.code, printed(run)).toBe(0);
      expect(github.requests.filter((q) => q.path.includes('/contents/'))).toEqual([]);
    });
  });

  describe('fails closed when the base cannot be read', () => {
    it.each([
      ['403 (contents: read not granted)', 403, /answered 403/],
      ['a 5xx outage', 502, /answered 502/],
    ])('on %s: outcome error, a message naming what to grant, no stack trace', async (_, status, why) => {
      reset();
      github.failures = [{ path: /\/contents\//, status }];
      const run = await relock();
      expect(run.code).toBe(1);
      expect(run.outputs.outcome).toBe('error');
      expect(printed(run)).toMatch(why);
      expect(printed(run)).toContain('grant `contents: read`');
      expect(run.summary).toContain('cannot read the base branch’s mcp-lock.json');
      expect(run.stdout).not.toContain('capseal: server files');
      expectNoStack(run);
    });

    it('without a token', async () => {
      reset();
      const run = await relock({ env: { 'INPUT_GITHUB-TOKEN': '' } });
      expect(run.code).toBe(1);
      expect(run.outputs.outcome).toBe('error');
      expect(printed(run)).toContain('API: no github-token');
      expect(printed(run)).toContain('base-lockfile');
      expectNoStack(run);
    });

    it('when the API says 404 for a repository it cannot read (not “no lockfile on base”)', async () => {
      reset();
      github.commits = new Set();
      const run = await relock({ base: undefined });
      expect(run.outputs.outcome).toBe('error');
    });
  });

  describe('approvals (approve-with: review)', () => {
    it('passes after an approving review of the current lockfile by a writer (re-run on pull_request_review)', async () => {
      reset();
      github.permissions.set('alice', 'write');
      github.addReview('alice', 'APPROVED', HEAD);
      const run = await relock({ event: 'pull_request_review' });
      expect(run.code, printed(run)).toBe(0);
      expect(run.outputs.outcome).toBe('pass');
      expect(run.summary).toMatch(/approved by alice \(review\)/);
      expect(printed(run)).toContain('approved by alice (review)');
    });

    it('does not count a review by a read-only user', async () => {
      reset();
      github.permissions.set('bob', 'read');
      github.addReview('bob', 'APPROVED', HEAD);
      const run = await relock();
      expect(run.code).toBe(1);
      expect(printed(run)).toMatch(/bob: has read permission; approving needs write/);
    });

    it('does not count a review of an older lockfile', async () => {
      reset();
      github.permissions.set('alice', 'admin');
      github.addReview('alice', 'APPROVED', OLDER);
      github.contents.set(`${OLDER}:mcp-lock.json`, locks.none as string);
      const run = await relock();
      expect(run.code).toBe(1);
      expect(printed(run)).toMatch(/alice: approved commit 111111111111, and mcp-lock.json changed after it/);
    });

    it('counts a review of an older commit whose lockfile is the current one', async () => {
      reset();
      github.permissions.set('alice', 'maintain');
      github.addReview('alice', 'APPROVED', OLDER);
      github.contents.set(`${OLDER}:mcp-lock.json`, locks['add-tool'] as string);
      const run = await relock();
      expect(run.code, printed(run)).toBe(0);
    });

    it('does not count an approval the reviewer later withdrew, nor the author’s own', async () => {
      reset();
      github.permissions.set('alice', 'write');
      github.permissions.set('dev', 'admin');
      github.addReview('alice', 'APPROVED', HEAD);
      github.addReview('alice', 'CHANGES_REQUESTED', HEAD);
      github.addReview('dev', 'APPROVED', HEAD);
      expect((await relock()).code).toBe(1);
    });

    it('fails closed when the reviewer’s permission cannot be checked', async () => {
      reset();
      github.addReview('alice', 'APPROVED', HEAD);
      github.failures = [{ path: /\/collaborators\//, status: 403 }];
      const run = await relock();
      expect(run.code).toBe(1);
      expect(run.outputs.outcome).toBe('fail');
      expect(printed(run)).toMatch(
        /alice: their permission could not be checked \(the GitHub API answered 403\)/,
      );
    });
  });

  describe('approvals (approve-with: signature)', () => {
    const approver = generateEd25519KeyPair();
    const stranger = generateEd25519KeyPair();

    async function signedBy(keys: { privateKeyPem: string }): Promise<ActionRun> {
      reset();
      const r = runner();
      writeFileSync(join(r.workspace, 'mcp-lock.json'), locks['add-tool'] as string);
      writeFileSync(join(r.root, 'signing.pem'), keys.privateKeyPem);
      await signLockfileEd25519(join(r.workspace, 'mcp-lock.json'), join(r.root, 'signing.pem'));
      writeFileSync(join(r.workspace, 'approvers.pub'), approver.publicKeyPem);
      return relock({ r, inputs: { 'approve-with': 'signature', 'public-key': 'approvers.pub' } });
    }

    it('passes when the head lockfile is signed by a named approver', async () => {
      const run = await signedBy(approver);
      expect(run.code, printed(run)).toBe(0);
      expect(run.summary).toMatch(/approved by the key approvers\\\.pub \(signature\)/);
    });

    it('fails when it is signed by another key', async () => {
      const run = await signedBy(stranger);
      expect(run.code).toBe(1);
      expect(run.outputs.outcome).toBe('fail');
      expect(printed(run)).toMatch(/not approved/);
    });
  });

  describe('the sticky review', () => {
    it('leaves a review with the marker by another user alone', async () => {
      reset();
      const human = github.addReview(
        'mallory',
        'CHANGES_REQUESTED',
        HEAD,
        `${REPORT_MARKER}\nlooks fine to me`,
      );
      const before = JSON.stringify(human);
      const run = await relock({ head: locks.none, base: locks.none, drift: 'none' });
      expect(run.code, printed(run)).toBe(0);
      expect(JSON.stringify(github.reviews.find((r) => r.id === human.id))).toBe(before);
      expect(github.reviews.filter((r) => r.user.login === 'github-actions[bot]')).toHaveLength(1);
      expect(github.writes().some((w) => w.path.includes(`/reviews/${human.id}`))).toBe(false);
    });

    it('updates its own when the token is a user’s (GET /user)', async () => {
      reset();
      github.selfLogin = 'capseal-bot';
      const r = runner();
      await relock({ r });
      const own = github.reviews.filter((x) => x.user.login === 'capseal-bot');
      expect(own.map((x) => x.state)).toEqual(['CHANGES_REQUESTED']);
      github.addReview('mallory', 'COMMENTED', HEAD, `${REPORT_MARKER}\nfake`);
      github.permissions.set('alice', 'write');
      github.addReview('alice', 'APPROVED', HEAD);
      const run = await relock({ r });
      expect(run.code, printed(run)).toBe(0);
      expect(github.reviews.find((x) => x.id === own[0]?.id)?.state).toBe('DISMISSED');
    });
  });

  describe('pull_request_target', () => {
    it('is refused unless the workflow says it does not check out PR code', async () => {
      reset();
      const refused = await relock({ event: 'pull_request_target' });
      expect(refused.code).toBe(1);
      expect(refused.outputs.outcome).toBe('error');
      expect(printed(refused)).toMatch(/refusing to run on pull_request_target/);
      expect(refused.stdout).not.toContain('capseal: server files');
      const allowed = await relock({
        event: 'pull_request_target',
        inputs: { 'allow-pull-request-target': 'true' },
      });
      expect(allowed.outputs.outcome).toBe('fail');
    });
  });

  describe('the drift-gate example workflow, run with its own inputs', () => {
    const example = parse(
      readFileSync(join(REPO, '.github', 'workflows', 'examples', 'pr-drift-gate.yml'), 'utf8'),
    ) as { jobs: { capseal: { steps: { id?: string; with?: Record<string, string> }[] } } };
    const inputs = example.jobs.capseal.steps.find((step) => step.id === 'capseal')?.with ?? {};

    it('passes a pull request that changes no capability', async () => {
      reset();
      const run = await relock({ head: locks.none, base: locks.none, drift: 'none', inputs });
      expect(run.code, printed(run)).toBe(0);
      expect(run.outputs.outcome).toBe('pass');
      expect(readFileSync(run.outputs['sarif-path'] as string, 'utf8')).toContain('2.1.0');
    });

    it('requests changes on a re-lock that adds a critical capability, until a writer approves', async () => {
      reset();
      const r = runner();
      const blocked = await relock({ r, inputs });
      expect(blocked.code).toBe(1);
      expect(blocked.outputs.outcome).toBe('fail');
      expect(github.reviews.map((x) => x.state)).toEqual(['CHANGES_REQUESTED']);
      github.permissions.set('alice', 'write');
      github.addReview('alice', 'APPROVED', HEAD);
      const approved = await relock({ r, inputs, event: 'pull_request_review' });
      expect(approved.summary).toMatch(/approved by alice \(review\)/);
      // The approval is for the capability change; the example's policy packs still judge the surface.
      const violations = Number(approved.outputs.violations);
      expect(approved.outputs.outcome).toBe(violations > 0 ? 'fail' : 'pass');
      if (violations === 0) expect(github.reviews[0]?.state).toBe('DISMISSED');
    });

    it('ends in outcome=error when the base lockfile cannot be read', async () => {
      reset();
      github.failures = [{ path: /\/contents\//, status: 403 }];
      const run = await relock({ inputs });
      expect(run.outputs.outcome).toBe('error');
    });
  });
});
