import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CapsealError, formatError } from '../shared/index.js';
import { loadVerifiedLock } from '../sign/io/index.js';
import {
  type Approval,
  type CandidateCheck,
  canApprove,
  decideReviewApproval,
  latestApprovals,
} from './approval.js';
import type { PullRequestContext } from './event.js';
import type { ActionInputs } from './inputs.js';
import { readFileAtGitCommit } from './io/git.js';
import type { GitHubClient } from './io/github.js';

/**
 * The PR gate's reads: the base branch's lockfile (what the PR is compared with) and the approvals of a
 * capability change. Every read that cannot happen fails closed: an unreadable base is an error naming what
 * to grant, an approval that cannot be checked is no approval.
 */

/** The REST client, opened on first use (undefined without a token). */
export interface GitHubAccess {
  github: typeof import('./io/github.js');
  client: GitHubClient;
}

export type FileAtCommit =
  | { kind: 'found'; text: string }
  | { kind: 'absent' }
  | { kind: 'unavailable'; reasons: string[] };

export interface GateContext {
  inputs: ActionInputs;
  workspace: string;
  lockPath: string;
  env: NodeJS.ProcessEnv;
  pr: PullRequestContext;
  /** The lockfile's repository path (posix), undefined when it lies outside the workspace. */
  repoPath: string | undefined;
  api: () => Promise<GitHubAccess | undefined>;
}

/** What to grant or set so the base can be read; the same words in the error, the docs and the tests. */
export const BASE_HINT =
  'grant `contents: read` in the workflow’s `permissions:` and keep `github-token` set, or check out with history ' +
  '(actions/checkout `fetch-depth: 0`), or name the base lockfile with the `base-lockfile` input';

/** A file at a commit: the checkout's git history first (a shallow clone fetches the commit), then the API. */
export async function readFileAtCommitAnyway(
  context: GateContext,
  path: string,
  sha: string,
  fetchRef?: string,
): Promise<FileAtCommit> {
  const git = await readFileAtGitCommit(context.workspace, sha, path, { env: context.env, fetchRef });
  if (git.kind !== 'unavailable') return git;
  const access = await context.api();
  if (access === undefined)
    return { kind: 'unavailable', reasons: [`git: ${git.reason}`, 'API: no github-token'] };
  const api = await access.github.readFileAtCommitViaApi(access.client, context.pr, path, sha);
  if (api.kind !== 'unavailable') return api;
  return { kind: 'unavailable', reasons: [`git: ${git.reason}`, `API: ${api.reason}`] };
}

/**
 * The base branch's lockfile text (undefined: the base has none, so everything in the head is new). Order:
 * the `base-lockfile` input, the checkout's git history, the contents API. Throws when none can answer.
 */
export async function readBaseLockfile(
  context: GateContext,
): Promise<{ text: string | undefined; from: string }> {
  const { inputs, pr } = context;
  if (inputs.baseLockfile !== undefined) {
    const path = resolve(context.workspace, inputs.baseLockfile);
    try {
      return { text: await readFile(path, 'utf8'), from: `base-lockfile ${inputs.baseLockfile}` };
    } catch (error) {
      throw new CapsealError('INVALID_INPUT', `base-lockfile: cannot read ${inputs.baseLockfile}`, {
        details: [error instanceof Error ? error.message : String(error)],
      });
    }
  }
  if (context.repoPath === undefined) {
    throw new CapsealError(
      'INVALID_INPUT',
      'cannot compare the pull request with its base branch: the lockfile lies outside the workspace; capseal fails closed',
      { details: ['set the `base-lockfile` input to the base branch’s lockfile'] },
    );
  }
  const found = await readFileAtCommitAnyway(context, context.repoPath, pr.baseSha, pr.baseRef);
  if (found.kind === 'found')
    return { text: found.text, from: `${context.repoPath} at ${pr.baseSha.slice(0, 12)}` };
  if (found.kind === 'absent')
    return { text: undefined, from: `no ${context.repoPath} at ${pr.baseSha.slice(0, 12)}` };
  throw new CapsealError(
    'INVALID_INPUT',
    `cannot read the base branch’s ${context.repoPath} (commit ${pr.baseSha}), so this pull request’s capability changes cannot be checked; capseal fails closed`,
    { details: [...found.reasons, `to fix: ${BASE_HINT}`] },
  );
}

/** Whether the PR's capability change is approved, the way `approve-with` says. Never throws for a refusal. */
export async function checkApproval(context: GateContext): Promise<Approval> {
  const approveWith = context.inputs.approveWith;
  if (approveWith.kind === 'signature') {
    const { signer } = approveWith;
    try {
      await loadVerifiedLock(
        signer.kind === 'key'
          ? {
              path: context.lockPath,
              requireSignature: true,
              publicKeyPath: resolve(context.workspace, signer.publicKeyPath),
            }
          : {
              path: context.lockPath,
              requireSignature: true,
              sigstore: { identity: signer.identity, issuer: signer.issuer },
            },
      );
      const by = signer.kind === 'key' ? `the key ${signer.publicKeyPath}` : signer.identity;
      return { approved: true, by, how: 'signature' };
    } catch (error) {
      if (error instanceof CapsealError) return { approved: false, reasons: [formatError(error)] };
      throw error;
    }
  }
  return checkReviewApproval(context);
}

async function checkReviewApproval(context: GateContext): Promise<Approval> {
  const { pr, repoPath } = context;
  const access = await context.api();
  if (access === undefined)
    return { approved: false, reasons: ['no github-token: the reviews cannot be read'] };
  if (repoPath === undefined)
    return { approved: false, reasons: ['the lockfile lies outside the workspace'] };
  const { github, client } = access;
  let reviews: Awaited<ReturnType<typeof github.readReviews>>;
  let self: string;
  try {
    reviews = await github.readReviews(client, pr);
    self = await github.readOwnLogin(client);
  } catch (error) {
    return { approved: false, reasons: [`the reviews could not be read (${apiProblem(error)})`] };
  }
  const candidates = latestApprovals(reviews, [pr.author, self]);
  if (candidates.length === 0) return decideReviewApproval([]);
  const head = await readFileAtCommitAnyway(context, repoPath, pr.headSha);
  const checks: CandidateCheck[] = [];
  for (const review of candidates) {
    checks.push(await checkCandidate(context, access, review, head, repoPath));
  }
  return decideReviewApproval(checks);
}

async function checkCandidate(
  context: GateContext,
  { github, client }: GitHubAccess,
  review: { author: string; commitId: string },
  head: FileAtCommit,
  repoPath: string,
): Promise<CandidateCheck> {
  const login = review.author;
  try {
    const permission = await github.readPermission(client, context.pr, login);
    if (!canApprove(permission)) {
      return { login, ok: false, reason: `has ${permission.role} permission; approving needs write` };
    }
  } catch (error) {
    return {
      login,
      ok: false,
      reason: `their permission could not be checked (${apiProblem(error)}); the token needs to read collaborators (metadata: read)`,
    };
  }
  if (head.kind === 'unavailable') {
    return { login, ok: false, reason: `the head lockfile could not be read (${head.reasons.join('; ')})` };
  }
  const reviewed =
    review.commitId === context.pr.headSha
      ? head
      : await readFileAtCommitAnyway(context, repoPath, review.commitId);
  if (reviewed.kind === 'unavailable') {
    return {
      login,
      ok: false,
      reason: `the reviewed lockfile could not be read (${reviewed.reasons.join('; ')})`,
    };
  }
  const same =
    reviewed.kind === head.kind &&
    (reviewed.kind !== 'found' || head.kind !== 'found' || reviewed.text === head.text);
  if (!same) {
    return {
      login,
      ok: false,
      reason: `approved commit ${review.commitId.slice(0, 12)}, and ${repoPath} changed after it`,
    };
  }
  return { login, ok: true };
}

function apiProblem(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number') {
    return `the GitHub API answered ${error.status}`;
  }
  return error instanceof Error ? error.message : String(error);
}
