import { REPORT_MARKER } from '../report/index.js';

/** Hidden marker that identifies capseal's one sticky review on a pull request (renderMarkdown writes it). */
export { REPORT_MARKER };

/** Prefix of the hidden key on each inline comment, so a rerun updates rather than duplicates it. */
const INLINE_MARKER_PREFIX = '<!-- capseal-inline:';
/** GitHub rejects review and comment bodies over 65,536 characters. */
export const BODY_LIMIT = 65_536;

export type ReviewEvent = 'REQUEST_CHANGES' | 'COMMENT';

/** A review already on the PR, as GET /pulls/{n}/reviews returns it. */
export interface ExistingReview {
  id: number;
  /** APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING */
  state: string;
  body: string;
  /** Login of the review's author: only capseal's own reviews (the token's identity) are touched. */
  author: string;
}

/** A review comment already on the PR, as GET /pulls/{n}/comments returns it (line is null when outdated). */
export interface ExistingComment {
  id: number;
  path: string;
  line: number | null;
  body: string;
  author: string;
}

/** One inline comment capseal wants on the PR diff: a line of the lockfile the diff shows. */
export interface InlineFinding {
  /** Stable identity across runs, e.g. `tool.added:servers.demo.tools.exec_shell`. */
  key: string;
  /** Repository path of the lockfile. */
  path: string;
  line: number;
  /** Markdown text, without the hidden key (the planner adds it). */
  text: string;
}

export interface ReviewPlanInput {
  /** The token's own login (GET /user, or github-actions[bot] for GITHUB_TOKEN). */
  self: string;
  /** The report (markdown, from renderMarkdown); the planner ensures the marker and caps the length. */
  report: string;
  blocking: boolean;
  reviews: readonly ExistingReview[];
  comments: readonly ExistingComment[];
  findings: readonly InlineFinding[];
}

export interface NewComment {
  path: string;
  line: number;
  side: 'RIGHT';
  body: string;
}

/** One API call to make, in order. */
export type ReviewStep =
  | { kind: 'create-review'; event: ReviewEvent; body: string; comments: NewComment[] }
  | { kind: 'update-review'; reviewId: number; body: string }
  | { kind: 'dismiss-review'; reviewId: number; message: string }
  | { kind: 'create-comment'; comment: NewComment }
  | { kind: 'update-comment'; commentId: number; body: string };

/** What both capseal review markers (current and superseded) start with. */
const MARKER_STEM = '<!-- capseal-report';

export const DISMISS_MESSAGE = 'capseal: the drift that blocked this pull request is resolved.';
export const SUPERSEDED_BODY =
  '<!-- capseal-report-superseded -->\ncapseal: this report is superseded by a newer review below.';

/**
 * Decide which review calls make the PR show exactly one current capseal report. Pure: the shell lists
 * the existing reviews and comments, calls this, and performs the steps in order.
 *
 * - No sticky review yet → create one (REQUEST_CHANGES when blocking, COMMENT otherwise) with the inline
 *   comments attached.
 * - A sticky review whose state fits → update its body in place (a submitted review's event cannot change).
 * - It requested changes and nothing blocks any more → dismiss it, then update its body: still one review.
 * - Blocking now, but the sticky review only commented (or was dismissed) → create a new blocking review and
 *   strip the marker from the old one, so the next run finds only the new one.
 * - Inline comments are keyed by a hidden marker: same key on the same line → update (if the text changed);
 *   otherwise create. Comments whose finding went away are left alone (GitHub shows them as outdated).
 */
export function planReview(input: ReviewPlanInput): ReviewStep[] {
  const body = capBody(
    input.report.includes(REPORT_MARKER) ? input.report : `${REPORT_MARKER}\n${input.report}`,
  );
  const event: ReviewEvent = input.blocking ? 'REQUEST_CHANGES' : 'COMMENT';
  // Anyone can write the marker into a review: only capseal's own (the token's identity) are candidates.
  const own = input.reviews.filter((r) => r.author === input.self && r.state !== 'PENDING');
  const sticky = own
    .filter((r) => r.body.includes(REPORT_MARKER))
    .sort((a, b) => a.id - b.id)
    .at(-1);
  // Earlier capseal reviews that still request changes (current or superseded) would keep blocking.
  const staleBlocking: ReviewStep[] = own
    .filter((r) => r !== sticky && r.state === 'CHANGES_REQUESTED' && r.body.includes(MARKER_STEM))
    .map((r) => ({ kind: 'dismiss-review', reviewId: r.id, message: DISMISS_MESSAGE }));

  const toCreate: NewComment[] = [];
  const commentSteps: ReviewStep[] = [];
  for (const finding of dedupeFindings(input.findings)) {
    const commentBody = capBody(`${inlineMarker(finding.key)}\n${finding.text}`);
    const existing = input.comments.find(
      (c) =>
        c.author === input.self &&
        c.path === finding.path &&
        c.line === finding.line &&
        c.body.includes(inlineMarker(finding.key)),
    );
    if (existing === undefined) {
      toCreate.push({ path: finding.path, line: finding.line, side: 'RIGHT', body: commentBody });
    } else if (existing.body !== commentBody) {
      commentSteps.push({ kind: 'update-comment', commentId: existing.id, body: commentBody });
    }
  }
  const createLoose = (): ReviewStep[] => toCreate.map((comment) => ({ kind: 'create-comment', comment }));

  if (sticky === undefined) {
    return [{ kind: 'create-review', event, body, comments: toCreate }, ...commentSteps, ...staleBlocking];
  }
  const updateBody: ReviewStep[] =
    sticky.body === body ? [] : [{ kind: 'update-review', reviewId: sticky.id, body }];
  if (input.blocking) {
    if (sticky.state === 'CHANGES_REQUESTED') {
      return [...updateBody, ...commentSteps, ...createLoose(), ...staleBlocking];
    }
    return [
      { kind: 'create-review', event, body, comments: toCreate },
      { kind: 'update-review', reviewId: sticky.id, body: SUPERSEDED_BODY },
      ...commentSteps,
      ...staleBlocking,
    ];
  }
  const dismiss: ReviewStep[] =
    sticky.state === 'CHANGES_REQUESTED'
      ? [{ kind: 'dismiss-review', reviewId: sticky.id, message: DISMISS_MESSAGE }]
      : [];
  return [...dismiss, ...staleBlocking, ...updateBody, ...commentSteps, ...createLoose()];
}

/** The hidden key line of an inline comment. Keys are made safe for an HTML comment. */
export function inlineMarker(key: string): string {
  return `${INLINE_MARKER_PREFIX}${key.replace(/--/g, '- -').replace(/>/g, '&gt;')} -->`;
}

/** Cut a body to GitHub's limit with a visible note, never mid-way through the marker line. */
export function capBody(body: string, limit = BODY_LIMIT): string {
  if (body.length <= limit) return body;
  const note = '\n\n…(truncated to fit GitHub’s limit; the full report is in the job summary)\n';
  return body.slice(0, limit - note.length) + note;
}

function dedupeFindings(findings: readonly InlineFinding[]): InlineFinding[] {
  const seen = new Map<string, InlineFinding>();
  for (const f of findings) {
    const at = `${f.path}:${f.line}`;
    const previous = seen.get(at);
    // Several drifts on one line become one comment with each sentence, in input order.
    seen.set(
      at,
      previous ? { ...previous, key: `${previous.key}+${f.key}`, text: `${previous.text}\n\n${f.text}` } : f,
    );
  }
  return [...seen.values()];
}
