import { getOctokit } from '@actions/github';
import { errorMessage } from '../../shared/errors.js';
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
      reviews: reviews.map((r) => ({ id: r.id, state: r.state, body: r.body ?? '' })),
      comments: comments.map((c) => ({ id: c.id, path: c.path, line: c.line ?? null, body: c.body })),
      files: files.map((f) => ({ filename: f.filename, status: f.status, patch: f.patch })),
    };
  });
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
