import { describe, expect, it } from 'vitest';
import {
  buildPrefilter,
  mayMatch,
  NON_ASCII,
  presentLiterals,
  requiredLiterals,
} from '../../../src/policy/functions/atr-prefilter.js';

describe('the ATR literal prefilter', () => {
  describe('requiredLiterals', () => {
    it.each([
      ['ignore\\s+(all\\s+)?previous\\s+instructions', ['previous', 'instructions']],
      ['(?:send|post|upload)\\s+to', ['send', 'post', 'upload']],
      ['\\b(curl|wget)\\b[^|]{0,80}\\|\\s*(ba)?sh', ['curl', 'wget']],
      ['[A-Za-z]{2,}\\x08[A-Za-z]', ['\x08']],
      ['[\\u2800-\\u28FF]{7,}', [NON_ASCII]],
      ['<\\|im_(start|end)\\|>', ['<|im_start|>', '<|im_end|>']],
      ['IGNORE', ['ignore']],
    ])('%s needs one of its literals', (source, wanted) => {
      const got = requiredLiterals(source) ?? [];
      expect(got.some((l) => wanted.includes(l))).toBe(true);
      expect(got.every((l) => l === NON_ASCII || l.length >= 1)).toBe(true);
    });

    it.each([['.{3,}'], ['\\w+\\s+\\w+'], ['(a|bc)'], ['(?:ignore)?x']])(
      '%s has no useful literal: it always runs',
      (source) => {
        expect(requiredLiterals(source)).toBeNull();
      },
    );

    it('never drops a literal a match needs: lookarounds and optional parts only widen', () => {
      expect(requiredLiterals('(?<!get_)(pay|transfer)\\s+now')).toEqual(
        expect.arrayContaining(['pay', 'transfer']),
      );
      expect(requiredLiterals('foo(?=bar)')).not.toContain('foobar');
    });
  });

  describe('presentLiterals and mayMatch', () => {
    const sources = ['ignore\\s+previous', 'reverse\\s+shell', '\\x1b\\[', '[\\u0400-\\u04ff]{3}', '\\w+'];
    const filter = buildPrefilter(sources);
    const may = (text: string) => sources.map((_, i) => mayMatch(filter, i, presentLiterals(filter, text)));

    it('runs a pattern only when one of its literals occurs, case-insensitively', () => {
      expect(may('Please IGNORE all Previous notes')).toEqual([true, false, false, false, true]);
      expect(may('open a Reverse Shell')).toEqual([false, true, false, false, true]);
      expect(may('plain text')).toEqual([false, false, false, false, true]);
    });

    it('finds control characters and the presence of non-ASCII text', () => {
      expect(may('\x1b[31mred')[2]).toBe(true);
      expect(may('привет')[3]).toBe(true);
    });

    it('is sound: a pattern that matches was never ruled out', () => {
      const texts = ['ignore   previous', 'x\x1b[0m', 'да', 'REVERSE\tSHELL', 'ſhell reverse'];
      for (const t of texts)
        sources.forEach((s, i) => {
          if (new RegExp(s, 'iu').test(t)) expect(mayMatch(filter, i, presentLiterals(filter, t))).toBe(true);
        });
    });
  });
});
