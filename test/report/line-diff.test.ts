import { describe, expect, it } from 'vitest';
import { diffLines } from '../../src/report/index.js';

describe('diffLines', () => {
  it('keeps common lines and marks the rest', () => {
    expect(diffLines('a\nb\nc', 'a\nB\nc\nd')).toEqual([
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: '+', text: 'B' },
      { op: ' ', text: 'c' },
      { op: '+', text: 'd' },
    ]);
  });

  it('falls back to remove-all/add-all beyond the line cap', () => {
    expect(diffLines('a\nb', 'a\nc', 1).map((l) => l.op)).toEqual(['-', '-', '+', '+']);
  });
});
