import { describe, expect, it } from 'vitest';
import {
  BODY_LIMIT,
  capBody,
  DISMISS_MESSAGE,
  type ExistingComment,
  type ExistingReview,
  type InlineFinding,
  inlineMarker,
  planReview,
  REPORT_MARKER,
  type ReviewPlanInput,
  SUPERSEDED_BODY,
} from '../../src/action/review-plan.js';

const report = '## capseal\n\nno drift';
const body = `${REPORT_MARKER}\n${report}`;
const finding: InlineFinding = {
  key: 'tool.added:servers.demo.tools.exec_shell',
  path: 'mcp-lock.json',
  line: 12,
  text: 'new tool `exec_shell` — critical',
};
const findingBody = `${inlineMarker(finding.key)}\n${finding.text}`;
const SELF = 'github-actions[bot]';
const review = (id: number, state: string, text = body, author = SELF): ExistingReview => ({
  id,
  state,
  body: text,
  author,
});
const plan = (over: Partial<ReviewPlanInput>) =>
  planReview({ self: SELF, report, blocking: false, reviews: [], comments: [], findings: [], ...over });

describe('planReview', () => {
  describe('when capseal has not reviewed the PR yet', () => {
    it('creates one COMMENT review when nothing blocks', () => {
      expect(plan({})).toEqual([{ kind: 'create-review', event: 'COMMENT', body, comments: [] }]);
    });

    it('creates one REQUEST_CHANGES review with the inline comments attached when blocking', () => {
      expect(plan({ blocking: true, findings: [finding] })).toEqual([
        {
          kind: 'create-review',
          event: 'REQUEST_CHANGES',
          body,
          comments: [{ path: 'mcp-lock.json', line: 12, side: 'RIGHT', body: findingBody }],
        },
      ]);
    });

    it("ignores other people's reviews and pending ones", () => {
      const steps = plan({ reviews: [review(1, 'APPROVED', 'LGTM'), review(2, 'PENDING')] });
      expect(steps.map((s) => s.kind)).toEqual(['create-review']);
    });
  });

  describe('when its sticky review exists', () => {
    it.each([
      ['COMMENTED', false],
      ['DISMISSED', false],
      ['CHANGES_REQUESTED', true],
    ])('updates a %s review in place (blocking: %s)', (state, blocking) => {
      const steps = plan({ blocking, reviews: [review(7, state, `${REPORT_MARKER}\nold`)] });
      expect(steps).toEqual([{ kind: 'update-review', reviewId: 7, body }]);
    });

    it('does nothing on a rerun with the same report', () => {
      expect(plan({ reviews: [review(7, 'COMMENTED')] })).toEqual([]);
    });

    it('dismisses its blocking review once the drift is resolved, then updates the body', () => {
      const steps = plan({ reviews: [review(7, 'CHANGES_REQUESTED', `${REPORT_MARKER}\nold`)] });
      expect(steps).toEqual([
        { kind: 'dismiss-review', reviewId: 7, message: DISMISS_MESSAGE },
        { kind: 'update-review', reviewId: 7, body },
      ]);
    });

    it('replaces a non-blocking review by a blocking one and retires the old marker', () => {
      const steps = plan({ blocking: true, reviews: [review(7, 'COMMENTED', `${REPORT_MARKER}\nold`)] });
      expect(steps).toEqual([
        { kind: 'create-review', event: 'REQUEST_CHANGES', body, comments: [] },
        { kind: 'update-review', reviewId: 7, body: SUPERSEDED_BODY },
      ]);
      expect(SUPERSEDED_BODY).not.toContain(REPORT_MARKER);
    });

    it('uses the newest of several marked reviews', () => {
      const steps = plan({
        reviews: [review(9, 'COMMENTED', `${REPORT_MARKER}\nx`), review(3, 'COMMENTED')],
      });
      expect(steps).toEqual([{ kind: 'update-review', reviewId: 9, body }]);
    });
  });

  describe('inline comments', () => {
    const existing = (over: Partial<ExistingComment>): ExistingComment => ({
      id: 50,
      path: 'mcp-lock.json',
      line: 12,
      body: findingBody,
      author: SELF,
      ...over,
    });
    const sticky = [review(7, 'COMMENTED')];

    it('creates a missing comment on its own when the review already exists', () => {
      expect(plan({ reviews: sticky, findings: [finding] })).toEqual([
        {
          kind: 'create-comment',
          comment: { path: 'mcp-lock.json', line: 12, side: 'RIGHT', body: findingBody },
        },
      ]);
    });

    it('leaves an identical comment alone and updates a changed one', () => {
      expect(plan({ reviews: sticky, findings: [finding], comments: [existing({})] })).toEqual([]);
      expect(
        plan({
          reviews: sticky,
          findings: [finding],
          comments: [existing({ body: `${inlineMarker(finding.key)}\nold` })],
        }),
      ).toEqual([{ kind: 'update-comment', commentId: 50, body: findingBody }]);
    });

    it('creates a new comment when the old one is outdated (line null) or on another line', () => {
      for (const line of [null, 30]) {
        const steps = plan({ reviews: sticky, findings: [finding], comments: [existing({ line })] });
        expect(steps.map((s) => s.kind)).toEqual(['create-comment']);
      }
    });

    it('merges several findings on one line into one comment', () => {
      const second = {
        ...finding,
        key: 'tool.description.changed:x',
        text: 'description changed — critical',
      };
      const [step] = plan({ findings: [finding, second] });
      expect(step?.kind === 'create-review' && step.comments).toHaveLength(1);
      expect(step?.kind === 'create-review' && step.comments[0]?.body).toContain('description changed');
    });
  });

  describe('capBody', () => {
    it('keeps bodies under GitHub’s limit with a visible note', () => {
      const capped = capBody(`${REPORT_MARKER}\n${'x'.repeat(BODY_LIMIT * 2)}`);
      expect(capped.length).toBeLessThanOrEqual(BODY_LIMIT);
      expect(capped.startsWith(REPORT_MARKER)).toBe(true);
      expect(capped).toMatch(/truncated/);
    });
  });

  it('keeps inline keys safe inside an HTML comment', () => {
    expect(inlineMarker('a-->b')).toBe('<!-- capseal-inline:a- -&gt;b -->');
  });

  describe('when others wrote the marker', () => {
    const human = (id: number, state: string) => review(id, state, `${REPORT_MARKER}\nlooks fine`, 'mallory');

    it('leaves a human’s review with the marker alone and posts its own', () => {
      const steps = plan({ blocking: true, reviews: [human(5, 'CHANGES_REQUESTED'), human(6, 'COMMENTED')] });
      expect(steps).toEqual([{ kind: 'create-review', event: 'REQUEST_CHANGES', body, comments: [] }]);
    });

    it('dismisses its own blocking review even when a human’s marker review is newer', () => {
      const steps = plan({
        reviews: [review(4, 'CHANGES_REQUESTED', `${REPORT_MARKER}\nold`), human(9, 'APPROVED')],
      });
      expect(steps).toEqual([
        { kind: 'dismiss-review', reviewId: 4, message: DISMISS_MESSAGE },
        { kind: 'update-review', reviewId: 4, body },
      ]);
    });

    it('dismisses older blocking reviews of its own that a newer one superseded', () => {
      const steps = plan({
        reviews: [review(2, 'CHANGES_REQUESTED', SUPERSEDED_BODY), review(4, 'COMMENTED')],
      });
      expect(steps).toEqual([{ kind: 'dismiss-review', reviewId: 2, message: DISMISS_MESSAGE }]);
    });

    it('never updates another user’s inline comment carrying its key', () => {
      const theirs: ExistingComment = {
        id: 51,
        path: 'mcp-lock.json',
        line: 12,
        body: 'x',
        author: 'mallory',
      };
      theirs.body = `${inlineMarker(finding.key)}\nfake`;
      const steps = plan({ reviews: [review(7, 'COMMENTED')], findings: [finding], comments: [theirs] });
      expect(steps.map((s) => s.kind)).toEqual(['create-comment']);
    });
  });
});
