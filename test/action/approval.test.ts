import { describe, expect, it } from 'vitest';
import {
  canApprove,
  decideReviewApproval,
  latestApprovals,
  type ReviewRecord,
} from '../../src/action/approval.js';

const review = (id: number, author: string, state: string, commitId = 'h'): ReviewRecord => ({
  id,
  author,
  state,
  commitId,
});

describe('approvals', () => {
  describe('latestApprovals', () => {
    it('takes each reviewer’s latest decisive review, as GitHub does', () => {
      const reviews = [
        review(1, 'alice', 'APPROVED'),
        review(2, 'alice', 'COMMENTED'),
        review(3, 'bob', 'APPROVED'),
        review(4, 'bob', 'CHANGES_REQUESTED'),
        review(5, 'carol', 'CHANGES_REQUESTED'),
        review(6, 'carol', 'APPROVED', 'c'),
        review(7, 'dave', 'APPROVED'),
        review(8, 'dave', 'DISMISSED'),
      ];
      expect(latestApprovals(reviews, []).map((r) => [r.author, r.commitId])).toEqual([
        ['alice', 'h'],
        ['carol', 'c'],
      ]);
    });

    it('ignores the PR’s author and the token’s own identity', () => {
      const reviews = [review(1, 'dev', 'APPROVED'), review(2, 'github-actions[bot]', 'APPROVED')];
      expect(latestApprovals(reviews, ['dev', 'github-actions[bot]', undefined])).toEqual([]);
    });
  });

  it.each([
    [{ permission: 'admin', role: 'admin' }, true],
    [{ permission: 'write', role: 'maintain' }, true],
    [{ permission: 'write', role: 'write' }, true],
    [{ permission: 'read', role: 'triage' }, false],
    [{ permission: 'read', role: 'read' }, false],
    [{ permission: 'none', role: 'none' }, false],
  ])('canApprove(%j) is %s', (permission, expected) => {
    expect(canApprove(permission)).toBe(expected);
  });

  it('decides from the first candidate that holds, or lists every reason', () => {
    expect(
      decideReviewApproval([
        { login: 'bob', ok: false, reason: 'read only' },
        { login: 'alice', ok: true },
      ]),
    ).toEqual({ approved: true, by: 'alice', how: 'review' });
    expect(decideReviewApproval([{ login: 'bob', ok: false, reason: 'read only' }])).toEqual({
      approved: false,
      reasons: ['bob: read only'],
    });
    expect(decideReviewApproval([])).toMatchObject({ approved: false });
  });
});
