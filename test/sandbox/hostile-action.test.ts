import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLockfile } from '../../src/lockfile/index.js';
import { buildActionBundle, type Runner, runBundledAction, writeEvent } from '../action/action-process.js';
import { FakeGitHub } from '../helpers/github-api.js';
import {
  createStage,
  ENV_CANARIES,
  expectAllBlocked,
  expectNoCanary,
  expectStageUntouched,
  type Stage,
} from './hostile-stage.js';

let actionJs: string;
let cleanup: () => void;
let stage: Stage;
let runner: Runner;
const github = new FakeGitHub();

/** The bundled action as the runner starts it, with the stage's canaries in its environment. */
function runAction(inputs: Record<string, string>, env: Record<string, string> = {}, event = 'pull_request') {
  const stageEnv = Object.fromEntries(
    Object.entries(stage.env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  return runBundledAction(actionJs, runner, {
    apiUrl: github.url,
    event,
    inputs,
    env: { ...stageEnv, ...ENV_CANARIES, 'INPUT_GITHUB-TOKEN': ENV_CANARIES.GITHUB_TOKEN, ...env },
  });
}

beforeAll(async () => {
  ({ actionJs, cleanup } = await buildActionBundle());
  await github.start();
  stage = await createStage();
  runner = {
    root: stage.root,
    workspace: stage.workspace,
    temp: stage.runnerTemp,
    summaryPath: join(stage.runnerTemp, 'step_summary'),
    outputPath: join(stage.runnerTemp, 'output'),
    eventPath: join(stage.root, 'event.json'),
  };
  stage.writeConfig();
  writeEvent(runner, 'pull_request.opened.json');
}, 240_000);

afterAll(async () => {
  await github.stop();
  await stage?.close();
  cleanup?.();
});

describe('the Action (bundled, as a process) with a hostile server in the PR config', () => {
  it('mode lock: every attempt fails and no canary reaches the lockfile or the log', async () => {
    const run = await runAction({ mode: 'lock', config: '.mcp.json' }, {}, 'push');
    expect(run.outputs.outcome, run.stdout + run.stderr).toBe('pass');
    const text = readFileSync(join(stage.workspace, 'mcp-lock.json'), 'utf8');
    expectAllBlocked(parseLockfile(text).servers.hostile?.tools.loot?.description);
    expectNoCanary(text, run.stdout.replaceAll(`::add-mask::${ENV_CANARIES.GITHUB_TOKEN}`, ''), run.stderr);
    expectStageUntouched(stage);
  });

  it('mode check on a pull request: passes, and no canary reaches the review, the summary or any API request', async () => {
    github.files = [{ filename: '.mcp.json', status: 'added', patch: '@@ -0,0 +1 @@\n+{}' }];
    github.clearRequests();
    // The base is the lockfile the first test wrote (no base branch exists in this stage).
    const run = await runAction({ mode: 'check', config: '.mcp.json', 'base-lockfile': 'mcp-lock.json' });
    expect(run.outputs.outcome, run.stdout + run.stderr).toBe('pass');
    expect(github.requests.length).toBeGreaterThan(0);
    const requests = JSON.stringify(github.requests.map((r) => ({ ...r, authorization: undefined })));
    expectNoCanary(
      requests,
      run.summary,
      JSON.stringify(run.outputs),
      run.stdout.replaceAll(`::add-mask::${ENV_CANARIES.GITHUB_TOKEN}`, ''),
      run.stderr,
    );
    expectStageUntouched(stage);
  });

  it('sandbox strict (the default) without a working sandbox: outcome error, nothing spawned, the cause named', async () => {
    const run = await runAction(
      { mode: 'check', config: '.mcp.json', 'base-lockfile': 'mcp-lock.json' },
      { CAPSEAL_SANDBOX_BACKEND: 'none' },
    );
    expect(run.outputs.outcome).toBe('error');
    expect(run.stdout).toMatch(/no usable sandbox \(--sandbox strict\): CAPSEAL_SANDBOX_BACKEND=none/);
    expect(run.stdout + run.stderr).not.toContain('hostile:');
    expectStageUntouched(stage);
  });
});
