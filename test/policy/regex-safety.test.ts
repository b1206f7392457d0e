import { describe, expect, it } from 'vitest';
import { unsafeRegexReason } from '../../src/policy/regex-safety.js';

describe('unsafeRegexReason', () => {
  it.each(['^\\s*$', '^(get|list)_[a-z]+$', '[a-z]+(_[a-z]+)?', '(?:ab)+c', 'a{1,3}b*', '^[(]+$'])(
    'accepts %j',
    (p) => {
      expect(unsafeRegexReason(p)).toBe('');
    },
  );

  it.each([
    ['(a+)+$', /catastrophic/],
    ['(a|aa)*b', /catastrophic/],
    ['(\\w+\\s?)*$', /catastrophic/],
    ['((ab)*)+', /catastrophic/],
    ['(a)\\1', /backreferences/],
    ['(', /invalid regular expression/],
    ['a'.repeat(600), /longer than 512/],
  ])('rejects %j', (p, reason) => {
    expect(unsafeRegexReason(p)).toMatch(reason);
  });
});
