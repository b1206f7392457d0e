import { z } from 'zod';
import { CapsealError } from '../shared/index.js';

/** The few fields of a pull_request event payload the review needs. Lenient: GitHub sends much more. */
const RepoSchema = z.looseObject({ full_name: z.string() });
const PullRequestPayloadSchema = z.looseObject({
  pull_request: z.looseObject({
    number: z.number().int().positive(),
    head: z.looseObject({ sha: z.string(), repo: RepoSchema.nullable() }),
    base: z.looseObject({ sha: z.string(), ref: z.string().optional(), repo: RepoSchema }),
    user: z.looseObject({ login: z.string() }).nullish(),
  }),
});

/** The pull request a run reviews, from the event payload and GITHUB_REPOSITORY. */
export interface PullRequestContext {
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  baseSha: string;
  /** The base branch name (fetched by name when the SHA cannot be fetched). */
  baseRef: string | undefined;
  /** The PR's author, who cannot approve their own change. */
  author: string | undefined;
  /** Head and base live in different repositories (a fork): the token cannot write to the base. */
  fromFork: boolean;
}

/**
 * Events whose payload carries a `pull_request` object we review. pull_request_review re-runs the gate when
 * someone approves.
 */
export const PR_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review']);

/**
 * The pull request under review, or undefined when the event is not a pull request (push, schedule,
 * workflow_dispatch…). A pull_request event whose payload lacks the fields is an INVALID_INPUT error.
 */
export function parsePullRequestContext(
  eventName: string | undefined,
  payload: unknown,
  repository: string | undefined,
): PullRequestContext | undefined {
  if (eventName === undefined || !PR_EVENTS.has(eventName)) return undefined;
  const parsed = PullRequestPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    throw new CapsealError('INVALID_INPUT', `GITHUB_EVENT_PATH: not a ${eventName} event payload`, {
      details: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  }
  const pr = parsed.data.pull_request;
  const full = repository ?? pr.base.repo.full_name;
  const slash = full.indexOf('/');
  if (slash <= 0 || slash === full.length - 1) {
    throw new CapsealError('INVALID_INPUT', `GITHUB_REPOSITORY: expected owner/name (got "${full}")`);
  }
  return {
    owner: full.slice(0, slash),
    repo: full.slice(slash + 1),
    number: pr.number,
    headSha: pr.head.sha,
    baseSha: pr.base.sha,
    baseRef: pr.base.ref,
    author: pr.user?.login,
    fromFork: pr.head.repo === null || pr.head.repo.full_name !== pr.base.repo.full_name,
  };
}
