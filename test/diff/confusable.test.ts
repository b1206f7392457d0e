import { describe, expect, it } from 'vitest';
import {
  confusableReasons,
  describeConfusableAcross,
  describeConfusableNames,
  findConfusableNames,
  nameReasons,
  skeleton,
} from '../../src/diff/confusable.js';

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
    expect(confusableReasons('поиск', ['search'])).toEqual([]);
    expect(skeleton('rеad')).toBe('read');
  });
});

// The family, table-driven: each impostor has the skeleton of its ASCII twin and a reason of its own.
const IMPOSTORS: [string, string, string, RegExp][] = [
  ['Cyrillic і (mixed script)', 'read_file', 'read_f\u0456le', /look-alike characters U\+0456/],
  ['Greek ο', 'log_event', 'l\u03bfg_event', /look-alike characters U\+03BF/],
  ['Armenian օ', 'open', '\u0585pen', /look-alike characters U\+0585/],
  ['Cherokee Ꭺ', 'Archive', '\u13aarchive', /look-alike characters U\+13AA/],
  ['Latin alpha ɑ', 'add', '\u0251dd', /look-alike characters U\+0251/],
  ['fullwidth letters', 'read_file', '\uff52\uff45\uff41\uff44_file', /compatibility characters/],
  ['a ligature', 'read_file', 'read_\ufb01le', /compatibility characters/],
  ['mathematical bold', 'read', '\u{1d42b}\u{1d41e}\u{1d41a}\u{1d41d}', /compatibility characters/],
  ['fullwidth low line', 'read_file', 'read\uff3ffile', /compatibility characters/],
  ['zero-width joiner', 'read_file', 'read\u200d_file', /invisible characters U\+200D/],
  ['zero-width space', 'readfile', 'read\u200bfile', /invisible characters U\+200B/],
  ['word joiner', 'readfile', 'read\u2060file', /invisible characters U\+2060/],
  ['bidi override', 'readfile', 'read\u202efile', /invisible characters U\+202E/],
  ['tag characters', 'readfile', 'readfile\u{e0041}', /invisible characters U\+E0041/],
  ['variation selector', 'readfile', 'read\ufe0ffile', /invisible characters U\+FE0F/],
  [
    'whole-script Cyrillic',
    'ape',
    '\u0430\u0440\u0435',
    /written in Cyrillic letters that look like the Latin "ape"/,
  ],
];

describe('the confusables family', () => {
  it.each(IMPOSTORS)('%s: same skeleton as the ASCII twin, and a reason', (_what, twin, impostor, why) => {
    expect(skeleton(impostor)).toBe(skeleton(twin));
    expect(nameReasons(impostor).join('; ')).toMatch(why);
    expect(confusableReasons(impostor, [twin])).toContain(`is confusable with "${twin}"`);
  });

  it('keeps accents distinct: réad is a different name, not an impostor', () => {
    expect(skeleton('r\u00e9ad')).not.toBe(skeleton('read'));
  });

  it('flags scripts that should not mix, but not Latin with Han or kana', () => {
    expect(nameReasons('read\u0416')).toEqual(['mixes scripts Cyrillic+Latin']);
    expect(nameReasons('search_検索')).toEqual([]);
    expect(nameReasons('検索_ひらがな')).toEqual([]);
  });

  it('follows UTS #39 for ASCII too (rn looks like m, 0 like O)', () => {
    expect(skeleton('rn')).toBe(skeleton('m'));
    expect(skeleton('O')).toBe(skeleton('0'));
  });
});

describe('findConfusableNames', () => {
  const server = (tools: string[], prompts: string[] = []) => ({
    tools: Object.fromEntries(tools.map((t) => [t, {}])),
    prompts: Object.fromEntries(prompts.map((p) => [p, {}])),
  });

  it('finds look-alikes within one server, both ways', () => {
    const found = findConfusableNames({ files: server(['list_dir', 'read_file', 'read_f\u0456le']) });
    expect(found.map((f) => [f.name, f.reasons])).toEqual([
      ['read_file', ['is confusable with tool "read_f\u0456le"']],
      [
        'read_f\u0456le',
        ['contains look-alike characters U+0456 (looks like "i")', 'is confusable with tool "read_file"'],
      ],
    ]);
  });

  it('finds look-alikes across servers, naming the other server', () => {
    const found = findConfusableNames({
      a: server(['read_file']),
      b: server(['\uff52\uff45\uff41\uff44_file']),
    });
    expect(found.map((f) => `${f.server}/${f.kind} ${f.reasons.at(-1)}`)).toEqual([
      'a/tool is confusable with tool "ｒｅａｄ_file" of server "b"',
      'b/tool is confusable with tool "read_file" of server "a"',
    ]);
  });

  it('does not flag the same name in two servers, nor a tool beside a prompt', () => {
    expect(
      findConfusableNames({ a: server(['read_file']), b: server(['read_file'], ['read_file']) }),
    ).toEqual([]);
  });

  it('describes one list for the CEL function confusableNames', () => {
    expect(describeConfusableNames(['read_file', 'get', 'read_f\u0456le'])).toEqual([
      '"read_file": is confusable with tool "read_fіle"',
      '"read_fіle": contains look-alike characters U+0456 (looks like "i"); is confusable with tool "read_file"',
    ]);
  });
});

describe('describeConfusableAcross', () => {
  it('reports a plain ASCII pair on both sides (nothing says which one imitates)', () => {
    for (const [a, b] of [
      ['read_file', 'read_fiIe'],
      ['read_file', 'read_fi1e'],
      ['move_item', 'rnove_item'],
      ['LOOKUP', 'L00KUP'],
    ] as const) {
      expect(describeConfusableAcross([a], [b])).toEqual([
        `${JSON.stringify(a)}: is confusable with ${JSON.stringify(b)} of another server`,
      ]);
      expect(describeConfusableAcross([b], [a])).toHaveLength(1);
    }
  });

  it('spares the plain original beside a name that is suspicious on its own, and reports the imitator', () => {
    for (const imitator of [
      'read_f\u0456le',
      '\uff52\uff45\uff41\uff44_file',
      'read\u200d_file',
      'read_file\u{e0041}',
    ]) {
      expect(describeConfusableAcross(['read_file'], [imitator])).toEqual([]);
      expect(describeConfusableAcross([imitator], ['read_file'])).toEqual([
        `${JSON.stringify(imitator)}: is confusable with "read_file" of another server`,
      ]);
    }
  });

  it('does not report the same name in two servers, unrelated names or empty lists', () => {
    expect(describeConfusableAcross(['read_file'], ['read_file'])).toEqual([]);
    expect(describeConfusableAcross(['read_file', 'write_file'], ['list_dir', 'search'])).toEqual([]);
    expect(describeConfusableAcross([], ['read_file'])).toEqual([]);
    expect(describeConfusableAcross(['read_file'], [])).toEqual([]);
  });

  it('is sorted, deduplicated and lists every match of a name', () => {
    expect(
      describeConfusableAcross(
        ['read_fiIe', 'move_item', 'read_fiIe'],
        ['read_fi1e', 'read_file', 'rnove_item'],
      ),
    ).toEqual([
      '"move_item": is confusable with "rnove_item" of another server',
      '"read_fiIe": is confusable with "read_fi1e" of another server; is confusable with "read_file" of another server',
    ]);
  });
});
