import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_MARKER } from '../../src/action/review-plan.js';
import { generateEd25519KeyPair } from '../../src/sign/index.js';
import { readVerifiedLock } from '../../src/sign/io/load-verified-lock.js';
import { signLockfileEd25519 } from '../../src/sign/io/sign-lockfile.js';
import { FakeGitHub, patchBetween } from '../helpers/github-api.js';
import { startSigstoreMock } from '../helpers/sigstore-mock.js';
import {
  type ActionRun,
  buildActionBundle,
  createRunner,
  lineOf,
  REPO,
  type Runner,
  runBundledAction,
  TOKEN,
  writeDriftConfig,
  writeEvent,
} from './action-process.js';

// The bundled action (built from the current sources into a temp dir) run as a real process with the
// environment GitHub sets, against the drifting fixture server and a fake GitHub API on 127.0.0.1.

const HEAD = '4f1c0e2b9d8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b';
const BASE = '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b';
const OTHER_FILE = { filename: '.mcp.json', status: 'modified' as const, patch: '@@ -1 +1 @@\n-{}\n+{ }' };

let actionJs: string;
let cleanup: () => void;
const github = new FakeGitHub();
const runners: Runner[] = [];
/** Lockfile texts of the drifting server, one per DRIFT mode, written by the action's own lock mode. */
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
  for (const drift of ['none', 'add-tool', 'change-description']) {
    const config = writeDriftConfig(r, drift);
    const run = await runBundledAction(actionJs, r, {
      event: 'push',
      inputs: { mode: 'lock', config, lockfile: `locks/${drift}.json` },
    });
    expect(run.stdout + run.stderr, 'lock mode').not.toContain('::error::');
    locks[drift] = readFileSync(join(r.workspace, 'locks', `${drift}.json`), 'utf8');
  }
}, 480_000);

afterAll(async () => {
  await github.stop();
  cleanup?.();
  for (const r of runners) rmSync(r.root, { recursive: true, force: true });
});

/** A PR workspace: the head lockfile checked out, the server in a given DRIFT mode, the PR's files. */
async function checkPullRequest(options: {
  head: string;
  drift: string;
  lockfileInPr?: { base: string | undefined };
  fixture?: string;
  inputs?: Record<string, string>;
  r?: Runner;
}): Promise<ActionRun> {
  const r = options.r ?? runner();
  writeFileSync(join(r.workspace, 'mcp-lock.json'), options.head);
  const config = writeDriftConfig(r, options.drift);
  writeEvent(r, options.fixture ?? 'pull_request.opened.json');
  github.contents.clear();
  github.commits = new Set([BASE, HEAD]);
  github.files = [OTHER_FILE];
  // The base branch's lockfile: the PR's own when the PR does not change it.
  const base = options.lockfileInPr ? options.lockfileInPr.base : options.head;
  if (base !== undefined) github.contents.set(`${BASE}:mcp-lock.json`, base);
  github.contents.set(`${HEAD}:mcp-lock.json`, options.head);
  if (options.lockfileInPr) {
    github.files.push({
      filename: 'mcp-lock.json',
      status: base === undefined ? 'added' : 'modified',
      patch: patchBetween(base ?? '', options.head),
    });
  }
  github.clearRequests();
  return runBundledAction(actionJs, r, {
    apiUrl: github.url,
    inputs: { config, 'sarif-file': 'capseal.sarif', ...options.inputs },
  });
}

function resetGitHub(deny: 'none' | 'write' | 'all' = 'none'): void {
  github.reviews = [];
  github.comments = [];
  github.deny = deny;
  github.failures = [];
  github.permissions.clear();
  github.selfLogin = undefined;
}

describe('the bundled action', () => {
  it('locks servers in mode lock, and sets lockfile-path', () => {
    expect(JSON.parse(locks.none as string).servers.files.tools.read_file).toBeDefined();
    expect(JSON.parse(locks['add-tool'] as string).servers.files.tools.exec_shell).toBeDefined();
  });

  describe('on a clean pull request', () => {
    let run: ActionRun;
    beforeAll(async () => {
      resetGitHub();
      run = await checkPullRequest({ head: locks.none as string, drift: 'none' });
    });

    it('passes and sets the outputs', () => {
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.outputs).toMatchObject({
        outcome: 'pass',
        'drift-count': '0',
        'max-severity': 'none',
        violations: '0',
      });
      expect(existsSync(run.outputs['sarif-path'] as string)).toBe(true);
      expect(readFileSync(run.outputs['report-path'] as string, 'utf8')).toContain(REPORT_MARKER);
    });

    it('posts one COMMENT review with the report, authenticated with the token', () => {
      expect(github.reviews).toHaveLength(1);
      expect(github.reviews[0]).toMatchObject({ state: 'COMMENTED', commit_id: HEAD });
      expect(github.reviews[0]?.body).toContain(REPORT_MARKER);
      expect(github.comments).toEqual([]);
      expect(github.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
    });

    it('writes the job summary and one log group per server', () => {
      expect(run.summary).toContain('capseal check');
      expect(run.stdout).toMatch(
        /::group::capseal: server #1\n::stop-commands::[0-9a-f]{32}\ncapseal: server files\n/,
      );
      expect(run.stdout).toContain('::endgroup::');
    });

    it('masks the token and never prints it', () => {
      expect(run.stdout).toContain(`::add-mask::${TOKEN}`);
      const printed = (run.stdout + run.stderr + run.summary).replace(`::add-mask::${TOKEN}`, '');
      expect(printed).not.toContain(TOKEN);
    });
  });

  describe('when a pull request adds a tool to the lockfile', () => {
    let run: ActionRun;
    const r = () => runners.at(-1) as Runner;
    beforeAll(async () => {
      resetGitHub();
      run = await checkPullRequest({
        head: locks['add-tool'] as string,
        drift: 'add-tool',
        lockfileInPr: { base: locks.none },
      });
    });

    it('fails with critical drift and requests changes', () => {
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /::error::capseal: this pull request changes capabilities at or above critical without an approval \(review\)/,
      );
      expect(run.outputs).toMatchObject({ outcome: 'fail', 'max-severity': 'critical' });
      expect(github.reviews).toHaveLength(1);
      expect(github.reviews[0]?.state).toBe('CHANGES_REQUESTED');
      expect(github.reviews[0]?.body).toContain('exec_shell');
    });

    it('comments inline on the line of mcp-lock.json where the new tool starts', () => {
      const line = lineOf(locks['add-tool'] as string, '"exec_shell": {');
      expect(github.comments).toEqual([
        expect.objectContaining({
          path: 'mcp-lock.json',
          line,
          side: 'RIGHT',
          pull_request_review_id: github.reviews[0]?.id,
        }),
      ]);
      expect(github.comments[0]?.body).toMatch(/exec_shell.*critical/s);
    });

    it('updates instead of duplicating when it runs again', async () => {
      const again = await checkPullRequest({
        head: locks['add-tool'] as string,
        drift: 'add-tool',
        lockfileInPr: { base: locks.none },
        r: r(),
      });
      expect(again.code).toBe(1);
      expect(github.reviews).toHaveLength(1);
      expect(github.comments).toHaveLength(1);
      expect(github.writes().filter((w) => w.method === 'POST')).toEqual([]);
    });

    it('dismisses its blocking review once the drift is resolved', async () => {
      const resolved = await checkPullRequest({
        head: locks['add-tool'] as string,
        drift: 'add-tool',
        r: r(),
      });
      expect(resolved.code).toBe(0);
      expect(github.reviews).toHaveLength(1);
      expect(github.reviews[0]?.state).toBe('DISMISSED');
      expect(github.reviews[0]?.body).toMatch(/pass/);
      expect(github.writes().map((w) => `${w.method} ${w.path.replace(/\d+/g, 'N')}`)).toEqual([
        'PUT /repos/acme/agent-tools/pulls/N/reviews/N/dismissals',
        'PUT /repos/acme/agent-tools/pulls/N/reviews/N',
      ]);
    });
  });

  describe('when a pull request changes a tool description', () => {
    let run: ActionRun;
    beforeAll(async () => {
      resetGitHub();
      run = await checkPullRequest({
        head: locks['change-description'] as string,
        drift: 'change-description',
        lockfileInPr: { base: locks.none },
      });
    });

    it('shows the description diff in the review and comments on the description line', () => {
      expect(run.code).toBe(1);
      expect(github.reviews[0]?.body).toContain('~/.ssh/id_rsa');
      const line = lineOf(locks['change-description'] as string, '"description"', '"read_file": {');
      expect(github.comments.map((c) => c.line)).toEqual([line]);
      expect(github.comments[0]?.body).toMatch(/description/);
    });
  });

  describe('when the live server drifted from an unchanged lockfile', () => {
    it('requests changes without inline comments and reports the drift', async () => {
      resetGitHub();
      const run = await checkPullRequest({ head: locks.none as string, drift: 'add-tool' });
      expect(run.code).toBe(1);
      expect(run.outputs).toMatchObject({ outcome: 'fail', 'drift-count': '1', 'max-severity': 'critical' });
      expect(github.reviews.map((r) => r.state)).toEqual(['CHANGES_REQUESTED']);
      expect(github.comments).toEqual([]);
      expect(run.summary).toContain('exec_shell');
    });
  });

  describe('without permission to review', () => {
    it('degrades to the job summary for a fork, with a warning naming pull-requests: write', async () => {
      resetGitHub('write');
      const run = await checkPullRequest({
        head: locks.none as string,
        drift: 'none',
        fixture: 'pull_request.fork.json',
      });
      expect(run.code, run.stdout).toBe(0);
      expect(run.stdout).toMatch(/::warning::.*`pull-requests: write`/);
      expect(run.summary).toContain(REPORT_MARKER);
      expect(github.writes()).toEqual([]);
    });

    it('degrades the same way when the API answers 403 to the review', async () => {
      resetGitHub('write');
      const run = await checkPullRequest({ head: locks.none as string, drift: 'none' });
      expect(run.code, run.stdout).toBe(0);
      expect(run.stdout).toMatch(/::warning::.*`pull-requests: write`.*403/);
      expect(run.outputs.outcome).toBe('pass');
    });

    it('still fails on drift, after the warning', async () => {
      resetGitHub('write');
      const run = await checkPullRequest({ head: locks.none as string, drift: 'add-tool' });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/::warning::/);
      expect(run.outputs.outcome).toBe('fail');
    });
  });

  describe('on bad input', () => {
    it('fails with a message naming the input, before contacting anything', async () => {
      resetGitHub();
      const run = await checkPullRequest({
        head: locks.none as string,
        drift: 'none',
        inputs: { 'fail-on': 'severe' },
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/::error::capseal: invalid input "fail-on" \(see the log above\)/);
      expect(run.stdout).toMatch(/invalid input "fail-on": must be one of critical, moderate, info/);
      expect(run.outputs.outcome).toBe('error');
      expect(run.summary).toMatch(/invalid input "fail-on"/);
      expect(github.requests).toEqual([]);
    });

    it('fails naming the server when it cannot start', async () => {
      resetGitHub();
      const r = runner();
      writeFileSync(join(r.workspace, 'mcp-lock.json'), locks.none as string);
      writeFileSync(
        join(r.workspace, 'broken.json'),
        JSON.stringify({
          mcpServers: { files: { command: 'node', args: [join(r.root, 'missing-server.mjs')] } },
        }),
      );
      writeEvent(r, 'pull_request.opened.json');
      const run = await runBundledAction(actionJs, r, {
        apiUrl: github.url,
        inputs: { config: 'broken.json' },
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/::error::capseal check: a server could not be started or checked/);
      expect(run.stdout).toMatch(/^::stop-commands::[0-9a-f]{32}\n(.*\n)*.*files/m);
      expect(run.outputs.outcome).toBe('error');
    });
  });

  describe('in the other modes', () => {
    const pack = [
      'name: ours',
      'description: no shell tools here',
      'rules:',
      '  - id: no-exec-shell',
      '    description: exec_shell is not allowed',
      '    severity: error',
      '    scope: tool',
      '    deny: tool.name == "exec_shell"',
      "    message: 'tool {{tool.name}} is not allowed'",
      '',
    ].join('\n');

    it('policy: fails on an error verdict and counts violations', async () => {
      const r = runner();
      writeFileSync(join(r.workspace, 'ours.yaml'), pack);
      writeFileSync(join(r.workspace, 'mcp-lock.json'), locks['add-tool'] as string);
      const denied = await runBundledAction(actionJs, r, {
        event: 'push',
        inputs: { mode: 'policy', policy: 'ours.yaml\nbaseline', 'sarif-file': 'policy.sarif' },
      });
      expect(denied.code).toBe(1);
      expect(denied.outputs).toMatchObject({ outcome: 'fail', violations: '1' });
      expect(denied.summary).toContain('no-exec-shell');
      expect(JSON.parse(readFileSync(join(r.workspace, 'policy.sarif'), 'utf8')).version).toBe('2.1.0');
      writeFileSync(join(r.workspace, 'mcp-lock.json'), locks.none as string);
      const allowed = await runBundledAction(actionJs, r, {
        event: 'push',
        inputs: { mode: 'policy', policy: 'ours.yaml' },
      });
      expect(allowed.code, allowed.stdout).toBe(0);
      expect(allowed.outputs).toMatchObject({ outcome: 'pass', violations: '0' });
    });

    it('verify: passes on a good Ed25519 signature and fails on a tampered lockfile', async () => {
      const r = runner();
      const keys = generateEd25519KeyPair();
      writeFileSync(join(r.workspace, 'signing.pem'), keys.privateKeyPem);
      writeFileSync(join(r.workspace, 'capseal.pub'), keys.publicKeyPem);
      const lockPath = join(r.workspace, 'mcp-lock.json');
      writeFileSync(lockPath, locks.none as string);
      await signLockfileEd25519(lockPath, join(r.workspace, 'signing.pem'));
      const inputs = { mode: 'verify', 'public-key': 'capseal.pub' };
      const good = await runBundledAction(actionJs, r, { event: 'push', inputs });
      expect(good.code, good.stdout).toBe(0);
      expect(good.summary).toMatch(/signature verified \(ed25519\)/);
      writeFileSync(lockPath, (locks.none as string).replace('Read a file', 'Read any file'));
      const bad = await runBundledAction(actionJs, r, { event: 'push', inputs });
      expect(bad.code).toBe(1);
      expect(bad.outputs.outcome).toBe('fail');
      expect(bad.stdout).toMatch(/::error::capseal: the signature of the lockfile does not verify/);
    });

    it('check with require-signature refuses an unsigned lockfile before starting any server', async () => {
      const r = runner();
      writeFileSync(join(r.workspace, 'mcp-lock.json'), locks.none as string);
      writeFileSync(join(r.workspace, 'capseal.pub'), generateEd25519KeyPair().publicKeyPem);
      const config = writeDriftConfig(r, 'none');
      const run = await runBundledAction(actionJs, r, {
        event: 'push',
        inputs: { config, 'require-signature': 'true', 'public-key': 'capseal.pub' },
      });
      expect(run.code).toBe(1);
      // The gate says no (as the CLI's exit 1), from the same table: fail, not error.
      expect(run.outputs.outcome).toBe('fail');
      expect(run.stdout).not.toContain('snapshotting');
    });

    it('check fails (outcome fail) on a lockfile signed by another key, before starting any server', async () => {
      const r = runner();
      const lockPath = join(r.workspace, 'mcp-lock.json');
      writeFileSync(lockPath, locks.none as string);
      writeFileSync(join(r.workspace, 'signing.pem'), generateEd25519KeyPair().privateKeyPem);
      await signLockfileEd25519(lockPath, join(r.workspace, 'signing.pem'));
      writeFileSync(join(r.workspace, 'capseal.pub'), generateEd25519KeyPair().publicKeyPem);
      const config = writeDriftConfig(r, 'none');
      const run = await runBundledAction(actionJs, r, {
        event: 'push',
        inputs: { config, 'require-signature': 'true', 'public-key': 'capseal.pub' },
      });
      expect(run.code).toBe(1);
      expect(run.outputs.outcome).toBe('fail');
      expect(run.stdout).toMatch(/::error::capseal check: a signature does not verify/);
      expect(run.stdout).not.toContain('snapshotting');
    });

    it('sign: signs keylessly with the job OIDC token through Sigstore', async () => {
      const sigstore = await startSigstoreMock();
      try {
        const r = runner();
        const lockPath = join(r.workspace, 'mcp-lock.json');
        writeFileSync(lockPath, locks.none as string);
        const env = sigstore.env({}) as Record<string, string>;
        const run = await runBundledAction(actionJs, r, { event: 'push', inputs: { mode: 'sign' }, env });
        expect(run.code, run.stdout).toBe(0);
        expect(sigstore.tokenRequests).toEqual([{ audience: 'sigstore', authorized: true }]);
        const trustedRootPath = join(r.root, 'trusted_root.json');
        await sigstore.writeTrustedRoot(trustedRootPath);
        const verified = await readVerifiedLock({
          path: lockPath,
          sigstore: { issuer: sigstore.issuer, identity: sigstore.subject, trustedRootPath },
        });
        expect(verified.verified?.kind).toBe('sigstore');
      } finally {
        await sigstore.close();
      }
    });
  });

  describe('the sandbox', () => {
    const envEcho = join(REPO, 'fixtures', 'servers', 'env-echo.mjs');
    it.runIf(existsSync(envEcho))('keeps the token out of the servers it runs', async () => {
      const r = runner();
      const run = await runBundledAction(actionJs, r, {
        event: 'push',
        inputs: { mode: 'lock', 'server-command': `node ${envEcho}` },
      });
      expect(run.code, run.stdout).toBe(0);
      const lock = readFileSync(join(r.workspace, 'mcp-lock.json'), 'utf8');
      expect(lock).toContain('GITHUB_TOKEN=absent');
      expect(lock).not.toContain(TOKEN);
      expect(lock).not.toMatch(/NAMES=[^"]*INPUT_/);
    });
  });
});
