import { describe, expect, it } from 'vitest';
import {
  buildPrefilter,
  mayMatch,
  NON_ASCII,
  presentLiterals,
  requiredLiterals,
} from '../../../src/policy/functions/atr-prefilter.js';

// Literals are lowercased, whitespace runs folded to one space, cut to 8 characters.
const fold = (t: string) => t.toLowerCase().replace(/\s+/g, ' ');

describe('the ATR literal prefilter', () => {
  describe('requiredLiterals', () => {
    it.each([
      [
        'ignore\\s+(all\\s+)?previous\\s+instructions',
        'IGNORE ALL\n previous instructions',
        'previous notes',
      ],
      ['(?:send|post|upload)\\s+to', 'then Upload  to x', 'the upload page'],
      ['\\b(curl|wget)\\b[^|]{0,80}\\|\\s*(ba)?sh', 'curl x | sh', 'a shell'],
      ['[A-Za-z]{2,}\\x08[A-Za-z]', 'ab\x08c', 'abc'],
      ['[\\u2800-\\u28FF]{7,}', '⠁⠂⠃⠄⠅⠆⠇', 'plain'],
      ['<\\|im_(start|end)\\|>', '<|im_end|>', '<im_end>'],
    ])('%s: a literal occurs in a match, none in unrelated text', (source, match, other) => {
      expect(new RegExp(source, 'iu').test(match)).toBe(true);
      const lits = requiredLiterals(source);
      expect(lits).not.toBeNull();
      const has = (t: string) =>
        (lits ?? []).some((l) => (l === NON_ASCII ? /[^\x00-\x7f]/.test(t) : fold(t).includes(l)));
      expect(has(match)).toBe(true);
      expect(has(other)).toBe(false);
    });

    it.each([['.{3,}'], ['\\w+\\s+\\w+'], ['(a|bc)'], ['(?:ignore)?x']])(
      '%s has no useful literal: it always runs',
      (source) => {
        expect(requiredLiterals(source)).toBeNull();
      },
    );

    it('never keeps what a lookaround asserts: lookarounds and optional parts only widen', () => {
      expect(requiredLiterals('(?<!get_)(pay|transfer)\\s+now')).toEqual(['pay now', 'transfer']);
      expect(requiredLiterals('foo(?=bar)')).toEqual(['foo']);
    });
  });

  describe('presentLiterals and mayMatch', () => {
    const sources = ['ignore\\s+previous', 'reverse\\s+shell', '\\x1b\\[', '[\\u0400-\\u04ff]{3}', '\\w+'];
    const filter = buildPrefilter(sources);
    const may = (text: string) => sources.map((_, i) => mayMatch(filter, i, presentLiterals(filter, text)));

    it('runs a pattern only when one of its literals occurs, case-insensitively, whitespace folded', () => {
      expect(may('Please IGNORE \n Previous notes')).toEqual([true, false, false, false, true]);
      expect(may('open a Reverse\tShell')).toEqual([false, true, false, false, true]);
      expect(may('plain text')).toEqual([false, false, false, false, true]);
    });

    it('tells apart literals that share their first four characters, of any length', () => {
      const srcs = ['the\\s+user', 'the\\s+system', 'thermal', 'then', 'there\\s+is'];
      const f = buildPrefilter(srcs);
      const all = [...new Set(srcs.flatMap((x) => requiredLiterals(x) ?? []))];
      // The scan finds exactly the literals a plain substring search of the folded text finds.
      for (const t of ['ask the system now', 'The User, thermally', 'then they', 'there is', 'th e user'])
        expect([...presentLiterals(f, t)].sort()).toEqual(all.filter((l) => fold(t).includes(l)).sort());
    });

    it('does not take a wider character for the ASCII one its low seven bits alias', () => {
      // U+0E69 and 'i' (0x69) share their low seven bits: the rolling key alone would see "ignore".
      const f = buildPrefilter(['ignore\\s+previous']);
      expect(presentLiterals(f, '\u0e69gnore previous').has('ignore p')).toBe(false);
      expect(presentLiterals(f, 'ignore previous').has('ignore p')).toBe(true);
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
