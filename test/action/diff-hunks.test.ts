import { describe, expect, it } from 'vitest';
import { parseRightSideLines } from '../../src/action/diff-hunks.js';

describe('parseRightSideLines', () => {
  it('collects added and context lines of every hunk, not removed ones', () => {
    const patch = [
      '@@ -3,4 +3,5 @@ {',
      '   "servers": {',
      '-    "old": 1,',
      '+    "new": 1,',
      '+    "more": 2,',
      '     "x": 3',
      '@@ -40,2 +41,3 @@',
      '   a',
      '+  b',
      '\\ No newline at end of file',
    ].join('\n');
    expect([...parseRightSideLines(patch)]).toEqual([3, 4, 5, 6, 41, 42]);
  });

  it('counts a new file from line 1', () => {
    expect([...parseRightSideLines('@@ -0,0 +1,3 @@\n+a\n+b\n+c\n')]).toEqual([1, 2, 3]);
  });

  it('shows no lines when GitHub omits the patch (binary or too large)', () => {
    expect(parseRightSideLines(undefined).size).toBe(0);
  });

  it('handles single-line hunk headers without counts', () => {
    expect([...parseRightSideLines('@@ -7 +7 @@\n-a\n+b')]).toEqual([7]);
  });
});
