import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { atOrAbove, type Drift } from '../diff/index.js';
import { diffLockTexts } from '../engine/index.js';
import type { Verdict } from '../policy/index.js';
import type { Report } from '../report/index.js';
import { buildReport, codeSpan, escapeMarkdown, renderErrorSummary, renderJson } from '../report/index.js';
import { CapsealError, errorMessage, formatError, type Outcome, outcomeFor } from '../shared/index.js';
import type { Approval } from './approval.js';
import { parseRightSideLines } from './diff-hunks.js';
import {
  type ActionLog,
  checkPolicy,
  checkServers,
  type EngineContext,
  locateLine,
  lockServers,
  renderCheckReports,
  signLockfile,
  verifyLockfile,
} from './engine.js';
import { PR_EVENTS, type PullRequestContext, parsePullRequestContext } from './event.js';
import { planInlineFindings } from './findings.js';
import { checkApproval, type GateContext, type GitHubAccess, readBaseLockfile } from './gate.js';
import { type ActionInputs, type InputName, parseActionInputs } from './inputs.js';
import type { PullFile } from './io/github.js';
import { ReviewPermissionError } from './io/permission-error.js';
import { type ActionOutputs, decideOutputs } from './outcome.js';
import { planReview } from './review-plan.js';
import { type ActionCore, createSafeLog, type SafeLog } from './safe-log.js';

export type { ActionCore };

export interface ActionRuntime {
  core: ActionCore;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The runtime with its log: everything printed goes through `log` (untrusted text inert, see safe-log). */
interface Shell extends ActionRuntime {
  log: SafeLog;
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
  const shell: Shell = { ...runtime, log: createSafeLog(runtime.core) };
  const { core, env, log } = shell;
  let inputs: ActionInputs;
  try {
    inputs = parseActionInputs((name: InputName) => core.getInput(name));
  } catch (error) {
    core.setOutput('outcome', 'error');
    await writeSummary(env, renderErrorSummary('capseal: invalid input', formatError(error)));
    log.fail(`capseal: ${invalidInputName(error)} (see the log above)`, formatError(error));
    return 'error';
  }
  if (inputs.githubToken) core.setSecret(inputs.githubToken);
  const workspace = env.GITHUB_WORKSPACE || runtime.cwd;
  const lockPath = resolve(workspace, inputs.lockfile);
  const context: EngineContext = { inputs, lockPath, workspace, env, log: createEngineLog(log) };
  try {
    refusePullRequestTarget(env, inputs);
    switch (inputs.mode) {
      case 'check':
        return await runCheckMode(shell, context);
      case 'lock':
        return await runLockMode(shell, context);
      case 'policy':
        return await runPolicyMode(shell, context);
      case 'sign':
        return await runSignMode(shell, context);
      case 'verify':
        return await runVerifyMode(shell, context);
    }
  } catch (error) {
    // The same table as the CLI's exit codes: a signature or pin that does not hold is `fail` (exit 1).
    const outcome = outcomeFor(error);
    core.setOutput('outcome', outcome);
    core.setOutput('lockfile-path', lockPath);
    const message = formatError(error);
    await writeSummary(env, renderErrorSummary(`capseal ${inputs.mode}: ${outcome}`, message));
    log.fail(
      `capseal ${inputs.mode}: ${errorTitle(error)} (details in the log above and the job summary)`,
      message,
    );
    return outcome;
  }
}

/** The failure annotation's words: capseal's own, by error code (the message itself may carry server text). */
function errorTitle(error: unknown): string {
  if (!(error instanceof CapsealError)) return 'internal error (please report this)';
  switch (error.code) {
    case 'USAGE':
      return 'invalid input';
    case 'INVALID_INPUT':
      return 'a file or a read it needs failed';
    case 'SERVER_FAILED':
      return 'a server could not be started or checked';
    case 'SIGNATURE_INVALID':
      return 'a signature does not verify';
    case 'ARTIFACT_MISMATCH':
      return 'a server artifact is not the one the lockfile pins';
    case 'INTERNAL':
      return 'internal error (please report this)';
  }
}

/** `invalid input "fail-on"`: the input's name is one of ours; the rest of the message stays in the log. */
function invalidInputName(error: unknown): string {
  const m = error instanceof Error ? /^invalid input "([a-z-]+)"/.exec(error.message) : null;
  return m ? `invalid input "${m[1]}"` : 'invalid input';
}

/**
 * pull_request_target runs with the base repository's secrets and a write token: checking out and running
 * the PR's servers there hands both to the PR. Refused unless the workflow says it does not.
 */
function refusePullRequestTarget(env: NodeJS.ProcessEnv, inputs: ActionInputs): void {
  if (env.GITHUB_EVENT_NAME !== 'pull_request_target' || inputs.allowPullRequestTarget) return;
  throw new CapsealError(
    'USAGE',
    'refusing to run on pull_request_target: that event runs with the base repository’s secrets and a write token, and the servers capseal starts would be the pull request’s code',
    {
      details: [
        'use `on: pull_request` (see docs/action.md), or, only if this workflow never checks out or runs the pull request’s code, set `allow-pull-request-target: true`',
      ],
    },
  );
}

async function runCheckMode(shell: Shell, context: EngineContext): Promise<'pass' | 'fail'> {
  const { env, log } = shell;
  const { inputs } = context;
  const pr = await readPullRequest(env);
  const api = lazyGitHub(env, inputs.githubToken);
  const gate: GateContext | undefined =
    pr === undefined
      ? undefined
      : {
          inputs,
          workspace: context.workspace,
          lockPath: context.lockPath,
          env,
          pr,
          repoPath: repositoryPath(context.workspace, context.lockPath),
          api,
        };
  // Before any server starts: a base that cannot be read fails the run closed.
  const base = gate === undefined ? undefined : await readBaseLockfile(gate);
  const check = await checkServers(context);

  let prChanges: LockfileChanges | undefined;
  let approval: Approval | undefined;
  if (gate !== undefined && base !== undefined) {
    const repoPath = gate.repoPath ?? inputs.lockfile;
    let drifts: Drift[];
    try {
      drifts = diffLockTexts(base.text, check.lockText, `${repoPath} (pull request)`);
    } catch (error) {
      throw new CapsealError(
        'INVALID_INPUT',
        `cannot compare with the base branch (${base.from}); capseal fails closed`,
        {
          details: [formatError(error)],
        },
      );
    }
    prChanges = { repoPath, headText: check.lockText, drifts };
    if (drifts.some((d) => atOrAbove(d.severity, inputs.failOn))) approval = await checkApproval(gate);
  }
  const prBlocking = approval !== undefined && !approval.approved;
  const failed = check.failed || prBlocking;

  const reports = renderCheckReports(check, prChanges, inputs.failOn);
  const markdown = withApproval(reports.markdown, approval, inputs);
  log.text(reports.text);
  if (approval !== undefined) log.text(approvalLine(approval));
  await publish(shell, context, {
    markdown,
    sarif: reports.sarif,
    drifts: [...check.report.drifts, ...(prChanges?.drifts ?? [])],
    verdicts: check.report.verdicts,
    failed,
    // The full list, live and base → head, for the JSON report (the Markdown may leave findings out).
    report: buildReport({
      kind: 'check',
      lockfile: check.report.lockfile,
      servers: check.report.servers,
      drifts: [...check.report.drifts, ...(prChanges?.drifts ?? [])],
      verdicts: check.report.verdicts,
      failOn: inputs.failOn,
    }),
  });

  if (pr !== undefined && inputs.comment === 'review') {
    await postReview(shell, api, pr, { markdown, failed, prChanges });
  }
  if (failed) {
    const reasons = [
      check.failed ? 'the live servers drifted from the lockfile or violate a policy' : '',
      prBlocking
        ? `this pull request changes capabilities at or above ${inputs.failOn} without an approval (${inputs.approveWith.kind})`
        : '',
    ].filter(Boolean);
    log.fail(`capseal: ${reasons.join('; ')} (see the job summary)`);
    return 'fail';
  }
  return 'pass';
}

/** One line for the log: who approved, or why no approval counts. */
function approvalLine(approval: Approval): string {
  return approval.approved
    ? `capseal: the capability change is approved by ${approval.by} (${approval.how})`
    : `capseal: the capability change is not approved:\n${approval.reasons.map((r) => `  - ${r}`).join('\n')}`;
}

/** The approval state, right under the report's title (escaped: logins and reasons are not ours). */
function withApproval(markdown: string, approval: Approval | undefined, inputs: ActionInputs): string {
  if (approval === undefined) return markdown;
  const note = approval.approved
    ? `> [!NOTE]\n> The capability change is approved by ${escapeMarkdown(approval.by)} (${approval.how}).\n`
    : `> [!CAUTION]\n> The capability change needs an approval (${inputs.approveWith.kind === 'review' ? 'an approving review by a user with write permission, after the lockfile’s last change' : 'a signature of the lockfile by an approver'}):\n${approval.reasons
        .slice(0, 20)
        .map((r) => `> - ${escapeMarkdown(r)}`)
        .join('\n')}\n`;
  const at = markdown.indexOf('\n', markdown.indexOf('## '));
  return at < 0 ? `${markdown}\n${note}` : `${markdown.slice(0, at + 1)}\n${note}${markdown.slice(at + 1)}`;
}

interface LockfileChanges {
  repoPath: string;
  headText: string;
  drifts: Drift[];
}

async function postReview(
  shell: Shell,
  api: () => Promise<GitHubAccess | undefined>,
  pr: PullRequestContext,
  result: { markdown: string; failed: boolean; prChanges: LockfileChanges | undefined },
): Promise<void> {
  const { log } = shell;
  if (pr.fromFork) {
    log.warning(`${PERMISSION_HINT} (this pull request comes from a fork, whose token is read-only)`);
    return;
  }
  const access = await api();
  if (access === undefined) {
    log.warning(`${PERMISSION_HINT} (no github-token was given)`);
    return;
  }
  try {
    const { github, client } = access;
    const state = await github.readPullRequestState(client, pr);
    const self = await github.readOwnLogin(client);
    const changes = result.prChanges;
    const file: PullFile | undefined =
      changes === undefined ? undefined : state.files.find((f) => f.filename === changes.repoPath);
    const findings =
      changes === undefined || file === undefined
        ? []
        : planInlineFindings({
            drifts: changes.drifts,
            repoPath: changes.repoPath,
            visibleLines: parseRightSideLines(file.patch),
            locate: (path) => locateLine(changes.headText, path),
          });
    const steps = planReview({
      self,
      report: result.markdown,
      blocking: result.failed,
      reviews: state.reviews,
      comments: state.comments,
      findings,
    });
    for (const line of await github.postReviewSteps(client, pr, steps)) log.text(`capseal: ${line}`);
    if (steps.length === 0) log.text('capseal: the pull request review is already up to date');
  } catch (error) {
    if (error instanceof ReviewPermissionError) {
      log.warning(`${PERMISSION_HINT} (the GitHub API answered ${error.status})`, error.message);
      return;
    }
    // The review is a second channel for a result already in the summary and outputs: a GitHub outage
    // must not turn a pass into an error, nor hide a fail behind one.
    log.warning(
      'capseal could not post its pull request review; the report is in the job summary.',
      errorMessage(error),
    );
  }
}

async function runLockMode(shell: Shell, context: EngineContext): Promise<'pass'> {
  const locked = await lockServers(context);
  let signed = '';
  if (context.inputs.sigstore) {
    const signature = await signLockfile(context);
    signed = `\n\nSigned keylessly with Sigstore by ${escapeMarkdown(signature.signer)}: ${codeSpan(signature.signaturePath)}.`;
  }
  const names = locked.servers.slice(0, 100).map((s) => codeSpan(s));
  if (locked.servers.length > 100) names.push(`…and ${locked.servers.length - 100} more`);
  const markdown = `## capseal lock\n\nLocked ${locked.servers.length} server(s) into ${codeSpan(context.inputs.lockfile)}: ${names.join(', ')}.${signed}\n`;
  await publish(shell, context, { markdown, failed: false });
  return 'pass';
}

async function runPolicyMode(shell: Shell, context: EngineContext): Promise<'pass' | 'fail'> {
  const result = await checkPolicy(context);
  shell.log.text(result.text);
  await publish(shell, context, {
    markdown: result.markdown,
    sarif: result.sarif,
    verdicts: result.report.verdicts,
    failed: result.failed,
    report: result.report,
  });
  if (result.failed) {
    shell.log.fail('capseal: policy violations at severity error (see the job summary)');
    return 'fail';
  }
  return 'pass';
}

async function runSignMode(shell: Shell, context: EngineContext): Promise<'pass'> {
  const signature = await signLockfile(context);
  const markdown = `## capseal sign\n\nSigned ${codeSpan(context.inputs.lockfile)} keylessly with Sigstore.\n\n- signer: ${escapeMarkdown(signature.signer)}\n- bundle: ${codeSpan(signature.signaturePath)}\n`;
  await publish(shell, context, { markdown, failed: false });
  return 'pass';
}

async function runVerifyMode(shell: Shell, context: EngineContext): Promise<'pass' | 'fail'> {
  let markdown: string;
  let failed = false;
  const name = codeSpan(context.inputs.lockfile);
  try {
    const verified = await verifyLockfile(context);
    markdown = `## capseal verify\n\n${name}: signature verified (${escapeMarkdown(verified.signature)}).\n`;
  } catch (error) {
    if (outcomeFor(error) !== 'fail') throw error;
    failed = true;
    markdown = renderErrorSummary(
      `capseal verify: ${context.inputs.lockfile}: signature does not verify`,
      formatError(error),
    );
    shell.log.text(formatError(error));
  }
  await publish(shell, context, { markdown, failed });
  if (failed) {
    shell.log.fail('capseal: the signature of the lockfile does not verify (see the job summary)');
    return 'fail';
  }
  return 'pass';
}

/**
 * The engine's log: its messages carry server text (names, stderr, warnings), so all of it is printed inert;
 * its per-server groups get capseal's own titles, the server's name being the group's first line.
 */
function createEngineLog(log: SafeLog): ActionLog {
  let groups = 0;
  return {
    info: (m) => log.text(m),
    warning: (m) => log.warning('capseal: a server check reported a warning (see the log above)', m),
    startGroup: (title) => {
      groups += 1;
      log.startGroup(`capseal: server #${groups}`, title);
    },
    endGroup: () => log.endGroup(),
  };
}

/**
 * The REST client, opened on first use and once: only pull request runs need Octokit, and leaving it out of
 * the entry chunk keeps the action's cold start short. Undefined without a token.
 */
function lazyGitHub(
  env: NodeJS.ProcessEnv,
  token: string | undefined,
): () => Promise<GitHubAccess | undefined> {
  let opened: Promise<GitHubAccess | undefined> | undefined;
  return () => {
    if (token === undefined) return Promise.resolve(undefined);
    opened ??= import('./io/github.js').then((github) => ({
      github,
      client: github.createGitHubClient(token, env.GITHUB_API_URL || 'https://api.github.com'),
    }));
    return opened;
  };
}

async function readPullRequest(env: NodeJS.ProcessEnv): Promise<PullRequestContext | undefined> {
  const eventName = env.GITHUB_EVENT_NAME;
  if (eventName === undefined || !PR_EVENTS.has(eventName)) return undefined;
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
  shell: Shell,
  context: EngineContext,
  result: {
    markdown: string;
    sarif?: string | undefined;
    drifts?: readonly Drift[];
    verdicts?: readonly Verdict[];
    failed: boolean;
    report?: Report;
  },
): Promise<void> {
  const { core, env } = shell;
  const written = await writeReports(env, context.inputs, context.workspace, result);
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

/** The Markdown and JSON reports under RUNNER_TEMP (for later steps) and, when asked, the SARIF file. */
async function writeReports(
  env: NodeJS.ProcessEnv,
  inputs: ActionInputs,
  workspace: string,
  result: { markdown: string; sarif?: string | undefined; report?: Report },
): Promise<{ reportPath: string; sarifPath?: string }> {
  const { markdown, sarif } = result;
  const dir = env.RUNNER_TEMP || join(workspace, '.capseal');
  await mkdir(dir, { recursive: true });
  const reportPath = join(dir, 'capseal-report.md');
  await writeFile(reportPath, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  // The full report (the Markdown may leave findings out to fit GitHub's limits): upload it as an artifact.
  if (result.report !== undefined)
    await writeFile(join(dir, 'capseal-report.json'), renderJson(result.report));
  if (inputs.sarifFile === undefined || sarif === undefined) return { reportPath };
  const sarifPath = resolve(workspace, inputs.sarifFile);
  await mkdir(dirname(sarifPath), { recursive: true });
  await writeFile(sarifPath, sarif.endsWith('\n') ? sarif : `${sarif}\n`);
  return { reportPath, sarifPath };
}

/** GitHub refuses a step summary over 1 MiB; every body capseal writes is far below (capped Markdown). */
export const SUMMARY_LIMIT = 1024 * 1024;

async function writeSummary(env: NodeJS.ProcessEnv, markdown: string): Promise<void> {
  const path = env.GITHUB_STEP_SUMMARY;
  if (!path) return;
  const capped =
    Buffer.byteLength(markdown) > SUMMARY_LIMIT / 2
      ? renderErrorSummary('capseal: report too large', markdown.slice(0, 20_000))
      : markdown;
  await appendFile(path, capped.endsWith('\n') ? capped : `${capped}\n`);
}

function writeOutputs(core: ActionCore, outputs: ActionOutputs): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}
