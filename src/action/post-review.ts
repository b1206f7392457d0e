import type { Drift } from '../diff/index.js';
import { errorMessage } from '../shared/index.js';
import { parseRightSideLines } from './diff-hunks.js';
import { locateLine } from './engine.js';
import type { PullRequestContext } from './event.js';
import { planInlineFindings } from './findings.js';
import type { GitHubAccess } from './gate.js';
import type { PullFile } from './io/github.js';
import { ReviewPermissionError } from './io/permission-error.js';
import type { Shell } from './publish.js';
import { planReview } from './review-plan.js';

const PERMISSION_HINT =
  'capseal could not post its pull request review: the token lacks `pull-requests: write` ' +
  '(a fork, or the workflow does not grant it). The report is in the job summary instead. ' +
  'Grant it with `permissions: pull-requests: write`.';

/** What a pull request changes in the lockfile, base → head. */
export interface LockfileChanges {
  repoPath: string;
  headText: string;
  drifts: Drift[];
}

/**
 * The sticky review and its inline findings. Never fails the run: a missing permission or a GitHub outage
 * is a warning (the result is already in the summary and the outputs).
 */
export async function postReview(
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
