import { getOctokit } from '@actions/github';
import { errorMessage } from '../../shared/index.js';
import type { PullRequestContext } from '../event.js';
import type { ExistingComment, ExistingReview, ReviewStep } from '../review-plan.js';
import { ReviewPermissionError } from './permission-error.js';

export type GitHubClient = ReturnType<typeof getOctokit>;

/** Build the REST client with an explicit base URL (GITHUB_API_URL), so tests can point it at 127.0.0.1. */
export function createGitHubClient(token: string, baseUrl: string): GitHubClient {
  return getOctokit(token, { baseUrl });
}

/** One changed file of the PR: its path and the unified-diff patch GitHub shows (absent when too large). */
export interface PullFile {
  filename: string;
  status: string;
  patch: string | undefined;
}

/** Everything the review planner needs to read, fetched with pagination. */
export async function readPullRequestState(
  client: GitHubClient,
  pr: PullRequestContext,
): Promise<{ reviews: ExistingReview[]; comments: ExistingComment[]; files: PullFile[] }> {
  const params = { owner: pr.owner, repo: pr.repo, pull_number: pr.number, per_page: 100 };
  return guard(async () => {
    const reviews = await client.paginate(client.rest.pulls.listReviews, params);
    const comments = await client.paginate(client.rest.pulls.listReviewComments, params);
    const files = await client.paginate(client.rest.pulls.listFiles, params);
    return {
      reviews: reviews.map((r) => ({
        id: r.id,
        state: r.state,
        body: r.body ?? '',
        author: r.user?.login ?? '',
        commitId: r.commit_id ?? '',
      })),
      comments: comments.map((c) => ({
        id: c.id,
        path: c.path,
        line: c.line ?? null,
        body: c.body,
        author: c.user?.login ?? '',
      })),
      files: files.map((f) => ({ filename: f.filename, status: f.status, patch: f.patch })),
    };
  });
}

/** Every review on the PR with its author and the commit it reviewed (for approvals). */
export async function readReviews(
  client: GitHubClient,
  pr: PullRequestContext,
): Promise<{ id: number; state: string; author: string; commitId: string }[]> {
  const params = { owner: pr.owner, repo: pr.repo, pull_number: pr.number, per_page: 100 };
  const reviews = await client.paginate(client.rest.pulls.listReviews, params);
  return reviews.map((r) => ({
    id: r.id,
    state: r.state,
    author: r.user?.login ?? '',
    commitId: r.commit_id ?? '',
  }));
}

/** A file's text at a commit (the base lockfile), or undefined when it does not exist there. */
export async function readFileAtCommit(
  client: GitHubClient,
  pr: PullRequestContext,
  path: string,
  ref: string,
): Promise<string | undefined> {
  try {
    const response = await client.rest.repos.getContent({
      owner: pr.owner,
      repo: pr.repo,
      path,
      ref,
      mediaType: { format: 'raw' },
    });
    const data: unknown = response.data;
    if (typeof data === 'string') return data;
    if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
    if (typeof data === 'object' && data !== null && 'content' in data && typeof data.content === 'string') {
      return Buffer.from(data.content, 'base64').toString('utf8');
    }
    return undefined;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    return guard(() => Promise.reject(error));
  }
}

/** The login GITHUB_TOKEN acts as: GET /user is not open to it (403), so it is known by name. */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

/**
 * Who the token acts as: GET /user for a user's token (PAT, OAuth); an installation token (GITHUB_TOKEN)
 * may not call it and is `github-actions[bot]`.
 */
export async function readOwnLogin(client: GitHubClient): Promise<string> {
  try {
    const { data } = await client.rest.users.getAuthenticated();
    return data.login;
  } catch (error) {
    const status = statusOf(error);
    if (status === 401 || status === 403 || status === 404) return ACTIONS_BOT_LOGIN;
    throw error;
  }
}

/** A user's permission on the repository (admin, maintain, write, triage, read, none), from the collaborators API. */
export async function readPermission(
  client: GitHubClient,
  pr: PullRequestContext,
  login: string,
): Promise<{ permission: string; role: string }> {
  const { data } = await client.rest.repos.getCollaboratorPermissionLevel({
    owner: pr.owner,
    repo: pr.repo,
    username: login,
  });
  return { permission: data.permission, role: data.role_name ?? data.permission };
}

/** A file at a commit through the contents API, told apart: found, absent (the commit exists without it), or why not. */
export type ApiFileResult =
  | { kind: 'found'; text: string }
  | { kind: 'absent' }
  | { kind: 'unavailable'; reason: string; status?: number };

export async function readFileAtCommitViaApi(
  client: GitHubClient,
  pr: PullRequestContext,
  path: string,
  ref: string,
): Promise<ApiFileResult> {
  try {
    const text = await readFileAtCommit(client, pr, path, ref);
    if (text !== undefined) return { kind: 'found', text };
    // A 404 also answers a token that may not read the repository: the commit must be readable to say "absent".
    await client.rest.repos.getCommit({ owner: pr.owner, repo: pr.repo, ref });
    return { kind: 'absent' };
  } catch (error) {
    const status = error instanceof ReviewPermissionError ? error.status : statusOf(error);
    const message = error instanceof Error ? error.message : String(error);
    return {
      kind: 'unavailable',
      reason:
        status === undefined
          ? `the GitHub API could not be reached (${message})`
          : `the GitHub API answered ${status}`,
      ...(status === undefined ? {} : { status }),
    };
  }
}

/** Perform the planned steps in order. Returns what was done, one line per call, for the log. */
export async function postReviewSteps(
  client: GitHubClient,
  pr: PullRequestContext,
  steps: readonly ReviewStep[],
): Promise<string[]> {
  const base = { owner: pr.owner, repo: pr.repo, pull_number: pr.number };
  const done: string[] = [];
  for (const step of steps) {
    await guard(async () => {
      switch (step.kind) {
        case 'create-review': {
          const r = await client.rest.pulls.createReview({
            ...base,
            commit_id: pr.headSha,
            event: step.event,
            body: step.body,
            comments: step.comments.map((c) => ({ path: c.path, line: c.line, side: c.side, body: c.body })),
          });
          done.push(`created review ${r.data.id} (${step.event}, ${step.comments.length} inline comments)`);
          return;
        }
        case 'update-review':
          await client.rest.pulls.updateReview({ ...base, review_id: step.reviewId, body: step.body });
          done.push(`updated review ${step.reviewId}`);
          return;
        case 'dismiss-review':
          await client.rest.pulls.dismissReview({
            ...base,
            review_id: step.reviewId,
            message: step.message,
            event: 'DISMISS',
          });
          done.push(`dismissed review ${step.reviewId}`);
          return;
        case 'create-comment': {
          const c = await client.rest.pulls.createReviewComment({
            ...base,
            commit_id: pr.headSha,
            path: step.comment.path,
            line: step.comment.line,
            side: step.comment.side,
            body: step.comment.body,
          });
          done.push(`created inline comment ${c.data.id} at ${step.comment.path}:${step.comment.line}`);
          return;
        }
        case 'update-comment':
          await client.rest.pulls.updateReviewComment({
            owner: pr.owner,
            repo: pr.repo,
            comment_id: step.commentId,
            body: step.body,
          });
          done.push(`updated inline comment ${step.commentId}`);
          return;
      }
    });
  }
  return done;
}

function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number') {
    return error.status;
  }
  return undefined;
}

/** 401/403/404 from the reviews API mean "this token may not do that here": a ReviewPermissionError. */
async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = statusOf(error);
    if (status === 401 || status === 403 || status === 404) {
      const message = errorMessage(error);
      throw new ReviewPermissionError(status, `GitHub API answered ${status}: ${message}`);
    }
    throw error;
  }
}
