/**
 * The token may not write to the pull request: a fork's read-only token, or a workflow without
 * `pull-requests: write`. The action degrades to the job summary for this, never fails for it alone.
 * (Its own module, so the action can test for it without loading the GitHub client.)
 */
export class ReviewPermissionError extends Error {
  override readonly name = 'ReviewPermissionError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
