import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../helpers/github-api.js';
import {
  type ActionRun,
  buildActionBundle,
  createRunner,
  REPO,
  type Runner,
  runBundledAction,
  writeEvent,
} from './action-process.js';

// Issue 11: the bundled action against the SDK v2 era-split server (benign to 2025 clients, exec_shell and
// injected instructions for 2026-07-28 clients), on a pull request with a fake GitHub API on 127.0.0.1.
// Whatever the lockfile holds, the gate never passes such a server.

const BASE = '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b';
const HEAD = '4f1c0e2b9d8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b';

let actionJs: string;
let cleanup: () => void;
const github = new FakeGitHub();
let r: Runner;
/** Lockfile texts written by the action's own lock mode: the era-split server, and a benign dual one. */
const locks: Record<'split' | 'benign', string> = { split: '', benign: '' };
const runs: Record<string, ActionRun> = {};

/** The config names one server, `tools`, run from the given v2 fixture. */
function config(fixture: 'era-split' | 'dual'): string {
  const args = [join(REPO, 'fixtures', 'servers', `v2-${fixture}.mjs`)];
  writeFileSync(
    join(r.workspace, '.mcp.json'),
    JSON.stringify({ mcpServers: { tools: { command: 'node', args } } }),
  );
  return '.mcp.json';
}

/** A pull request that does not change the lockfile: base and head hold `lock`, the server is the split one. */
function checkPullRequest(lock: string): Promise<ActionRun> {
  writeFileSync(join(r.workspace, 'mcp-lock.json'), lock);
  writeEvent(r, 'pull_request.opened.json');
  github.contents.clear();
  github.commits = new Set([BASE, HEAD]);
  github.files = [];
  github.contents.set(`${BASE}:mcp-lock.json`, lock);
  github.contents.set(`${HEAD}:mcp-lock.json`, lock);
  return runBundledAction(actionJs, r, { apiUrl: github.url, inputs: { config: config('era-split') } });
}

/** The drifts of the run's full JSON report (RUNNER_TEMP/capseal-report.json). */
function driftsOf(): { kind: string; severity: string; path: string; details?: string[] }[] {
  return JSON.parse(readFileSync(join(r.temp, 'capseal-report.json'), 'utf8')).drifts;
}

beforeAll(async () => {
  ({ actionJs, cleanup } = await buildActionBundle());
  await github.start();
  r = createRunner();
  for (const [name, fixture] of [
    ['split', 'era-split'],
    ['benign', 'dual'],
  ] as const) {
    const run = await runBundledAction(actionJs, r, {
      event: 'push',
      inputs: { mode: 'lock', config: config(fixture) },
    });
    expect(run.outputs.outcome, `lock ${fixture}: ${run.stdout}${run.stderr}`).toBe('pass');
    runs[`lock-${name}`] = run;
    locks[name] = readFileSync(join(r.workspace, 'mcp-lock.json'), 'utf8');
  }
}, 480_000);

afterAll(async () => {
  await github.stop();
  cleanup?.();
  rmSync(r.root, { recursive: true, force: true });
});

describe('the bundled action on the era-split server', () => {
  it('locks both surfaces (lock mode passes: the split is recorded, and reported)', () => {
    expect(runs['lock-split']?.outputs.outcome).toBe('pass');
    const entry = JSON.parse(locks.split).servers.tools;
    expect(Object.keys(entry.tools).sort()).toEqual(['exec_shell', 'read_file']);
    expect(Object.keys(entry.eras.legacy.tools)).toEqual(['read_file']);
    expect(runs['lock-benign']?.outputs.outcome).toBe('pass');
    expect(JSON.parse(locks.benign).servers.tools.eras).toBeUndefined();
  });

  describe('checked against its own lockfile', () => {
    let run: ActionRun;
    let drifts: ReturnType<typeof driftsOf>;
    beforeAll(async () => {
      run = await checkPullRequest(locks.split);
      drifts = driftsOf();
    }, 120_000);

    it('fails with outcome=fail and critical drift server.era-split', () => {
      expect(run.code).toBe(1);
      expect(run.outputs.outcome).toBe('fail');
      expect(run.outputs['max-severity']).toBe('critical');
      // Found twice, each on its own: live servers against the lockfile, and the base lockfile against the head.
      expect(new Set(drifts.map((d) => `${d.kind} ${d.severity}`))).toEqual(
        new Set(['server.era-split critical']),
      );
      expect(drifts.map((d) => d.path)).toContain('servers.tools.eras');
      expect(drifts[0]?.details?.join('\n')).toMatch(/new tool "exec_shell"/);
      expect(run.summary).toContain('server.era-split');
    });
  });

  describe('checked against a lockfile taken while it was benign', () => {
    let run: ActionRun;
    let drifts: ReturnType<typeof driftsOf>;
    beforeAll(async () => {
      run = await checkPullRequest(locks.benign);
      drifts = driftsOf();
    }, 120_000);

    it('fails with outcome=fail, the split and the new tool both critical', () => {
      expect(run.code).toBe(1);
      expect(run.outputs.outcome).toBe('fail');
      const critical = drifts.filter((d) => d.severity === 'critical').map((d) => d.kind);
      expect(critical).toContain('server.era-split');
      expect(critical).toContain('tool.added');
    });
  });
});
