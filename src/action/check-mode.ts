import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import { atOrAbove, type Drift } from '../diff/index.js';
import { diffLockTexts } from '../engine/index.js';
import { buildReport, escapeMarkdown } from '../report/index.js';
import { CapsealError, formatError } from '../shared/index.js';
import type { Approval } from './approval.js';
import { checkServers, type EngineContext, renderCheckReports } from './engine.js';
import { PR_EVENTS, type PullRequestContext, parsePullRequestContext } from './event.js';
import { checkApproval, type GateContext, type GitHubAccess, readBaseLockfile } from './gate.js';
import type { ActionInputs } from './inputs.js';
import { type LockfileChanges, postReview } from './post-review.js';
import { publish, type Shell } from './publish.js';

/**
 * `mode: check`: the live servers against the lockfile and, on pull requests, the lockfile against the base
 * branch's, gated by an approval when the change reaches `fail-on`. The base is read before any server starts.
 */
export async function runCheckMode(shell: Shell, context: EngineContext): Promise<'pass' | 'fail'> {
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
