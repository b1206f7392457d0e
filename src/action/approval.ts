/**
 * Who approved a pull request's capability change, decided from what the shell read. Pure.
 *
 * GitHub's own rule for a reviewer's state: their latest APPROVED, CHANGES_REQUESTED or DISMISSED review
 * counts (comments change nothing). An approval counts for capseal when, in addition:
 * - the reviewer is not the PR's author and not the token's own identity;
 * - the reviewer has write permission (admin, maintain or write) on the repository;
 * - the lockfile at the reviewed commit is the lockfile at the PR head: a review of an earlier lockfile
 *   approves nothing that changed after it. (Content, not dates: commit dates are the author's to choose.)
 */

export interface ReviewRecord {
  id: number;
  state: string;
  author: string;
  commitId: string;
}

/** Each reviewer's latest decisive review, when it approves: the candidates to check. */
export function latestApprovals(
  reviews: readonly ReviewRecord[],
  exclude: readonly (string | undefined)[],
): ReviewRecord[] {
  const latest = new Map<string, ReviewRecord>();
  for (const review of [...reviews].sort((a, b) => a.id - b.id)) {
    if (!['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED'].includes(review.state)) continue;
    if (review.author === '' || exclude.includes(review.author)) continue;
    latest.set(review.author, review);
  }
  return [...latest.values()].filter((r) => r.state === 'APPROVED');
}

/** Permissions that may approve: write or above. */
export function canApprove(permission: { permission: string; role: string }): boolean {
  return (
    ['admin', 'write'].includes(permission.permission) ||
    ['admin', 'maintain', 'write'].includes(permission.role)
  );
}

export type Approval =
  | { approved: true; by: string; how: 'review' | 'signature' }
  | { approved: false; reasons: string[] };

/** What a candidate review turned out to be, once its reviewer's permission and reviewed lockfile are known. */
export type CandidateCheck = { login: string; ok: true } | { login: string; ok: false; reason: string };

/** The approval, from the checked candidates (first that holds), or every reason none holds. */
export function decideReviewApproval(checks: readonly CandidateCheck[]): Approval {
  const good = checks.find((c) => c.ok);
  if (good !== undefined) return { approved: true, by: good.login, how: 'review' };
  const reasons = checks.map((c) => (c.ok ? '' : `${c.login}: ${c.reason}`)).filter(Boolean);
  return {
    approved: false,
    reasons:
      reasons.length === 0
        ? ['no approving review by a user with write permission on the repository']
        : reasons,
  };
}
