import { describe, expect, it } from 'vitest';
import { confusableReasons, skeleton } from '../../src/diff/confusable.js';

describe('confusableReasons', () => {
  it('finds nothing in plain ASCII names that differ', () => {
    expect(confusableReasons('read_file', ['write_file', 'read_files'])).toEqual([]);
  });

  it('names Cyrillic and Greek look-alikes by code point', () => {
    expect(confusableReasons('rеad_fіle', [])).toEqual([
      'contains look-alike characters U+0435 (looks like "e"), U+0456 (looks like "i")',
    ]);
    expect(confusableReasons('exec_ѕhell', [])[0]).toContain('U+0455');
    expect(confusableReasons('lοg', [])[0]).toContain('U+03BF');
  });

  it('flags invisible characters and fullwidth forms, and the name they imitate', () => {
    expect(confusableReasons('read\u200bfile', ['readfile'])).toEqual([
      'contains invisible characters U+200B',
      'is confusable with "readfile"',
    ]);
    expect(confusableReasons('ｒead', ['read'])).toEqual([
      'contains compatibility characters (e.g. fullwidth) that normalize to other text',
      'is confusable with "read"',
    ]);
  });

  it('leaves non-Latin names that imitate nothing alone', () => {
    expect(confusableReasons('検索', ['search'])).toEqual([]);
    expect(skeleton('rеad')).toBe('read');
  });
});
