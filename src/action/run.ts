import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { atOrAbove, type Drift } from '../diff/types.js';
import { diffLockTexts } from '../engine/diff.js';
import type { Verdict } from '../policy/types.js';
import { CapsealError, errorMessage, formatError, type Outcome, outcomeFor } from '../shared/errors.js';
import { parseRightSideLines } from './diff-hunks.js';
import {
  type ActionLog,
  type CheckRun,
  checkPolicy,
  checkServers,
  type EngineContext,
  locateLine,
  lockServers,
  renderCheckReports,
  signLockfile,
  verifyLockfile,
} from './engine.js';
import { type PullRequestContext, parsePullRequestContext } from './event.js';
import { planInlineFindings } from './findings.js';
import { type ActionInputs, type InputName, parseActionInputs } from './inputs.js';
import type { GitHubClient, PullFile } from './io/github.js';
import { ReviewPermissionError } from './io/permission-error.js';
import { type ActionOutputs, decideOutputs } from './outcome.js';
import { planReview } from './review-plan.js';

/** The slice of @actions/core the action uses; injected so the shell has no hidden globals. */
export interface ActionCore {
  getInput(name: string): string;
  setOutput(name: string, value: string): void;
  setFailed(message: string): void;
  setSecret(secret: string): void;
  info(message: string): void;
  warning(message: string): void;
  startGroup(name: string): void;
  endGroup(): void;
}

export interface ActionRuntime {
  core: ActionCore;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const PERMISSION_HINT =
  'capseal could not post its pull request review: the token lacks `pull-requests: write` ' +
  '(a fork, or the workflow does not grant it). The report is in the job summary instead. ' +
  'Grant it with `permissions: pull-requests: write`.';

/**
 * The action: inputs → engine → outputs, job summary, SARIF and (on pull requests) the sticky review.
 * Every failure ends in core.setFailed with a clear message; the review never fails the run on its own.
 * Returns the outcome for tests and the entry point.
 */
export async function runAction(runtime: ActionRuntime): Promise<Outcome> {
  const { core, env } = runtime;
  let inputs: ActionInputs;
  try {
    inputs = parseActionInputs((name: InputName) => core.getInput(name));
  } catch (error) {
    const message = formatError(error);
    core.setOutput('outcome', 'error');
    await writeSummary(env, `## capseal: invalid input\n\n\`\`\`\n${message}\n\`\`\`\n`);
    core.setFailed(message);
    return 'error';
  }
  if (inputs.githubToken) core.setSecret(inputs.githubToken);
  const workspace = env.GITHUB_WORKSPACE || runtime.cwd;
  const lockPath = resolve(workspace, inputs.lockfile);
  const log = createLog(core);
  const context: EngineContext = { inputs, lockPath, workspace, env, log };
  try {
    switch (inputs.mode) {
      case 'check':
        return await runCheckMode(runtime, context);
      case 'lock':
        return await runLockMode(runtime, context);
      case 'policy':
        return await runPolicyMode(runtime, context);
      case 'sign':
        return await runSignMode(runtime, context);
      case 'verify':
        return await runVerifyMode(runtime, context);
    }
  } catch (error) {
    // The same table as the CLI's exit codes: a signature or pin that does not hold is `fail` (exit 1).
    const outcome = outcomeFor(error);
    core.setOutput('outcome', outcome);
    core.setOutput('lockfile-path', lockPath);
    const message = formatError(error);
    await writeSummary(env, `## capseal ${inputs.mode}: ${outcome}\n\n\`\`\`\n${message}\n\`\`\`\n`);
    core.setFailed(message);
    return outcome;
  }
}

async function runCheckMode(runtime: ActionRuntime, context: EngineContext): Promise<'pass' | 'fail'> {
  const { core, env } = runtime;
  const { inputs } = context;
  const check = await checkServers(context);

  const pr = await readPullRequest(env);
  const prChanges = pr === undefined ? undefined : await readLockfileChanges(runtime, context, pr, check);
  const prDrifts = prChanges?.drifts ?? [];
  const prBlocking = prDrifts.some((d) => atOrAbove(d.severity, inputs.failOn));
  const failed = check.failed || prBlocking;

  const { markdown, text, sarif } = renderCheckReports(check, prChanges, inputs.failOn);
  core.info(text);
  await publish(runtime, context, {
    markdown,
    sarif,
    drifts: [...check.report.drifts, ...prDrifts],
    verdicts: check.report.verdicts,
    failed,
  });

  if (pr !== undefined && inputs.comment === 'review') {
    await postReview(runtime, context, pr, { markdown, failed, prChanges });
  }
  if (failed) {
    const reasons = [
      check.failed ? 'the live servers drifted from the lockfile or violate a policy' : '',
      prBlocking ? `this pull request changes capabilities at or above ${inputs.failOn}` : '',
    ].filter(Boolean);
    core.setFailed(`capseal: ${reasons.join('; ')} (see the job summary)`);
    return 'fail';
  }
  return 'pass';
}

interface LockfileChanges {
  repoPath: string;
  headText: string;
  drifts: Drift[];
  file: PullFile;
}

/**
 * When the PR changes the lockfile: the drifts from its base version to its head version, and the diff
 * lines GitHub shows (inline comments go only there). Reading needs only a read token; a refusal is a
 * warning, never a failure.
 */
async function readLockfileChanges(
  runtime: ActionRuntime,
  context: EngineContext,
  pr: PullRequestContext,
  check: CheckRun,
): Promise<LockfileChanges | undefined> {
  const { core, env } = runtime;
  const token = context.inputs.githubToken;
  const repoPath = repositoryPath(context.workspace, context.lockPath);
  if (token === undefined || repoPath === undefined) return undefined;
  const { github, client } = await openGitHub(env, token);
  try {
    const { files } = await github.readPullRequestState(client, pr);
    const file = files.find((f) => f.filename === repoPath && f.status !== 'removed');
    if (file === undefined) return undefined;
    const baseText = await github.readFileAtCommit(client, pr, repoPath, pr.baseSha);
    const headText = (await github.readFileAtCommit(client, pr, repoPath, pr.headSha)) ?? check.lockText;
    let drifts: Drift[];
    try {
      drifts = diffLockTexts(baseText, headText, `${repoPath} (pull request)`);
    } catch (error) {
      // The head lockfile was validated by the check; an unreadable base is not this PR's doing.
      core.warning(`capseal could not compare the lockfile with the base branch: ${formatError(error)}`);
      return undefined;
    }
    return { repoPath, headText, drifts, file };
  } catch (error) {
    if (error instanceof ReviewPermissionError) {
      core.warning(
        `capseal could not read the pull request (${error.message}); lockfile changes in the PR are not reviewed. ` +
          'Grant `pull-requests: read` (and `contents: read`).',
      );
      return undefined;
    }
    throw error;
  }
}

async function postReview(
  runtime: ActionRuntime,
  context: EngineContext,
  pr: PullRequestContext,
  result: { markdown: string; failed: boolean; prChanges: LockfileChanges | undefined },
): Promise<void> {
  const { core, env } = runtime;
  const token = context.inputs.githubToken;
  if (token === undefined) {
    core.warning(`${PERMISSION_HINT} (no github-token was given)`);
    return;
  }
  if (pr.fromFork) {
    core.warning(`${PERMISSION_HINT} (this pull request comes from a fork, whose token is read-only)`);
    return;
  }
  try {
    const { github, client } = await openGitHub(env, token);
    const state = await github.readPullRequestState(client, pr);
    const changes = result.prChanges;
    const findings =
      changes === undefined
        ? []
        : planInlineFindings({
            drifts: changes.drifts,
            repoPath: changes.repoPath,
            visibleLines: parseRightSideLines(changes.file.patch),
            locate: (path) => locateLine(changes.headText, path),
          });
    const steps = planReview({
      report: result.markdown,
      blocking: result.failed,
      reviews: state.reviews,
      comments: state.comments,
      findings,
    });
    for (const line of await github.postReviewSteps(client, pr, steps)) core.info(`capseal: ${line}`);
    if (steps.length === 0) core.info('capseal: the pull request review is already up to date');
  } catch (error) {
    if (error instanceof ReviewPermissionError) {
      core.warning(`${PERMISSION_HINT} (${error.message})`);
      return;
    }
    // The review is a second channel for a result already in the summary and outputs: a GitHub outage
    // must not turn a pass into an error, nor hide a fail behind one.
    core.warning(
      `capseal could not post its pull request review (${errorMessage(error)}); the report is in the job summary.`,
    );
  }
}

async function runLockMode(runtime: ActionRuntime, context: EngineContext): Promise<'pass'> {
  const locked = await lockServers(context);
  let signed = '';
  if (context.inputs.sigstore) {
    const signature = await signLockfile(context);
    signed = `\n\nSigned keylessly with Sigstore by ${signature.signer}: \`${signature.signaturePath}\`.`;
  }
  const markdown = `## capseal lock\n\nLocked ${locked.servers.length} server(s) into \`${context.inputs.lockfile}\`: ${locked.servers.map((s) => `\`${s}\``).join(', ')}.${signed}\n`;
  await publish(runtime, context, { markdown, failed: false });
  return 'pass';
}

async function runPolicyMode(runtime: ActionRuntime, context: EngineContext): Promise<'pass' | 'fail'> {
  const { core } = runtime;
  const result = await checkPolicy(context);
  core.info(result.text);
  await publish(runtime, context, {
    markdown: result.markdown,
    sarif: result.sarif,
    verdicts: result.report.verdicts,
    failed: result.failed,
  });
  if (result.failed) {
    core.setFailed('capseal: policy violations at severity error (see the job summary)');
    return 'fail';
  }
  return 'pass';
}

async function runSignMode(runtime: ActionRuntime, context: EngineContext): Promise<'pass'> {
  const signature = await signLockfile(context);
  const markdown = `## capseal sign\n\nSigned \`${context.inputs.lockfile}\` keylessly with Sigstore.\n\n- signer: ${signature.signer}\n- bundle: \`${signature.signaturePath}\`\n`;
  await publish(runtime, context, { markdown, failed: false });
  return 'pass';
}

async function runVerifyMode(runtime: ActionRuntime, context: EngineContext): Promise<'pass' | 'fail'> {
  const { core } = runtime;
  let markdown: string;
  let failed = false;
  try {
    const verified = await verifyLockfile(context);
    markdown = `## capseal verify\n\n\`${context.inputs.lockfile}\`: signature verified (${verified.signature}).\n`;
  } catch (error) {
    if (outcomeFor(error) !== 'fail') throw error;
    failed = true;
    markdown = `## capseal verify\n\n\`${context.inputs.lockfile}\`: **signature does not verify**\n\n\`\`\`\n${formatError(error)}\n\`\`\`\n`;
  }
  await publish(runtime, context, { markdown, failed });
  if (failed) {
    core.setFailed(`capseal: the signature of ${context.inputs.lockfile} does not verify`);
    return 'fail';
  }
  return 'pass';
}

function createLog(core: ActionCore): ActionLog {
  return {
    info: (m) => core.info(m),
    warning: (m) => core.warning(m),
    startGroup: (name) => core.startGroup(name),
    endGroup: () => core.endGroup(),
  };
}

/**
 * The REST client, loaded on first use: only pull request runs need Octokit, and leaving it out of the
 * entry chunk keeps the action's cold start short.
 */
async function openGitHub(
  env: NodeJS.ProcessEnv,
  token: string,
): Promise<{ github: typeof import('./io/github.js'); client: GitHubClient }> {
  const github = await import('./io/github.js');
  return { github, client: github.createGitHubClient(token, env.GITHUB_API_URL || 'https://api.github.com') };
}

async function readPullRequest(env: NodeJS.ProcessEnv): Promise<PullRequestContext | undefined> {
  const eventName = env.GITHUB_EVENT_NAME;
  if (eventName !== 'pull_request' && eventName !== 'pull_request_target') return undefined;
  const path = env.GITHUB_EVENT_PATH;
  if (!path) throw new CapsealError('INVALID_INPUT', `GITHUB_EVENT_PATH is not set for a ${eventName} event`);
  let payload: unknown;
  try {
    payload = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `GITHUB_EVENT_PATH: cannot read the event payload ${path}`, {
      cause: error,
    });
  }
  return parsePullRequestContext(eventName, payload, env.GITHUB_REPOSITORY);
}

/** The lockfile's path inside the repository (posix), or undefined when it lies outside the workspace. */
function repositoryPath(workspace: string, lockPath: string): string | undefined {
  const rel = relative(workspace, lockPath);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

/**
 * What every mode ends with: the report files, the job summary and the step outputs, from one result.
 */
async function publish(
  runtime: ActionRuntime,
  context: EngineContext,
  result: {
    markdown: string;
    sarif?: string | undefined;
    drifts?: readonly Drift[];
    verdicts?: readonly Verdict[];
    failed: boolean;
  },
): Promise<void> {
  const { core, env } = runtime;
  const written = await writeReports(env, context.inputs, context.workspace, result.markdown, result.sarif);
  await writeSummary(env, result.markdown);
  writeOutputs(
    core,
    decideOutputs({
      drifts: result.drifts ?? [],
      verdicts: result.verdicts ?? [],
      failed: result.failed,
      ...written,
      lockfilePath: context.lockPath,
    }),
  );
}

/** The Markdown report under RUNNER_TEMP (for later steps) and, when asked, the SARIF file. */
async function writeReports(
  env: NodeJS.ProcessEnv,
  inputs: ActionInputs,
  workspace: string,
  markdown: string,
  sarif: string | undefined,
): Promise<{ reportPath: string; sarifPath?: string }> {
  const dir = env.RUNNER_TEMP || join(workspace, '.capseal');
  await mkdir(dir, { recursive: true });
  const reportPath = join(dir, 'capseal-report.md');
  await writeFile(reportPath, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  if (inputs.sarifFile === undefined || sarif === undefined) return { reportPath };
  const sarifPath = resolve(workspace, inputs.sarifFile);
  await mkdir(dirname(sarifPath), { recursive: true });
  await writeFile(sarifPath, sarif.endsWith('\n') ? sarif : `${sarif}\n`);
  return { reportPath, sarifPath };
}

async function writeSummary(env: NodeJS.ProcessEnv, markdown: string): Promise<void> {
  const path = env.GITHUB_STEP_SUMMARY;
  if (!path) return;
  await appendFile(path, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
}

function writeOutputs(core: ActionCore, outputs: ActionOutputs): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}
