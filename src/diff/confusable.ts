import unhomoglyph from 'unhomoglyph';

/**
 * Look-alike detection for entry names, on Unicode's own data: the UTS #39 confusables mapping (via
 * `unhomoglyph`, which ships confusables.txt as data), NFKC for compatibility forms (fullwidth, ligatures,
 * mathematical letters), and the Default_Ignorable code points (zero-width joiners, bidi controls, tags,
 * variation selectors) removed. Two names are confusable when their skeletons are equal. Pure.
 */

/** Default-ignorable code points (zero-width, joiners, bidi controls, tags, variation selectors…). */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}|[\u061c\u115f\u1160\u17b4\u17b5\u180e\u3164\uffa0]/gu;
const INVISIBLE_ONE =
  /^(?:\p{Default_Ignorable_Code_Point}|[\u061c\u115f\u1160\u17b4\u17b5\u180e\u3164\uffa0])$/u;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const HAS_ASCII_LETTER = /[A-Za-z]/;

function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The UTS #39 skeleton of a name: NFKC (folds fullwidth and other compatibility forms), invisible
 * characters removed, then NFD, the confusables mapping, NFD again. Equal skeletons mean the names can be
 * mistaken for each other (`read_fіle` with a Cyrillic і, `ｒead`, `read\u200dfile` and `rеad` all map to
 * the skeleton of their ASCII twin). Not meant to be shown: `m` maps to `rn`, `0` to `O`.
 */
export function skeleton(name: string): string {
  const folded = PRINTABLE_ASCII.test(name) ? name : name.normalize('NFKC').replace(INVISIBLE, '');
  return unhomoglyph(folded.normalize('NFD')).normalize('NFD');
}

// Scripts an identifier can be written in, most common first; letters in none of these count as "Other".
const SCRIPTS: [string, RegExp][] = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Georgian',
  'Cherokee',
  'Coptic',
  'Han',
  'Hiragana',
  'Katakana',
  'Hangul',
  'Arabic',
  'Hebrew',
  'Devanagari',
  'Thai',
  'Ethiopic',
  'Canadian_Aboriginal',
  'Lisu',
  'Vai',
  'Tifinagh',
].map((s) => [s, new RegExp(`\\p{Script=${s}}`, 'u')]);

/** The scripts of the letters of a name (Common and Inherited characters, digits, `_` do not count). */
export function scriptsOf(name: string): string[] {
  if (PRINTABLE_ASCII.test(name)) return HAS_ASCII_LETTER.test(name) ? ['Latin'] : [];
  const found = new Set<string>();
  for (const ch of name.normalize('NFKC')) {
    if (!/\p{L}/u.test(ch)) continue;
    found.add(SCRIPTS.find(([, re]) => re.test(ch))?.[0] ?? 'Other');
  }
  return [...found].sort();
}

// UTS #39 "highly restrictive": Latin may mix with these East Asian sets without being suspicious.
const ALLOWED_MIXES = [
  ['Han', 'Hiragana', 'Katakana'],
  ['Han', 'Hangul'],
  ['Han', 'Bopomofo'],
];

function isAllowedMix(scripts: readonly string[]): boolean {
  const rest = scripts.filter((s) => s !== 'Latin');
  return ALLOWED_MIXES.some((allowed) => rest.every((s) => allowed.includes(s)));
}

/**
 * Why a name is suspicious on its own, or [] when it is not: characters that pose as ASCII next to Latin
 * letters (`read_fіle`), invisible characters, compatibility forms (fullwidth `ｒead`, ligatures, math
 * letters), letters of scripts that should not mix (UTS #39 highly restrictive: Latin with Cyrillic,
 * Greek…), or a name written entirely in another script's look-alikes of a Latin name (whole-script
 * confusable: Cyrillic `аре`). A plain name in one script (`поиск`, `検索`) is fine.
 */
export function nameReasons(name: string): string[] {
  if (PRINTABLE_ASCII.test(name)) return [];
  const reasons: string[] = [];
  const lookalikes = new Map<string, string>();
  const invisible: string[] = [];
  let compat = false;
  for (const ch of name) {
    if ((ch.codePointAt(0) ?? 0) < 0x80) continue;
    if (INVISIBLE_ONE.test(ch)) {
      invisible.push(codePoint(ch));
    } else if (ch.normalize('NFKC') !== ch) {
      compat = true;
    } else {
      const sk = skeleton(ch);
      if (sk !== ch.normalize('NFD') && sk !== '' && PRINTABLE_ASCII.test(sk)) lookalikes.set(ch, sk);
    }
  }
  const scripts = scriptsOf(name);
  const latinContext = HAS_ASCII_LETTER.test(name) || scripts.includes('Latin');
  const sk = skeleton(name);
  const wholeScript =
    scripts.length === 1 && scripts[0] !== 'Latin' && PRINTABLE_ASCII.test(sk) && HAS_ASCII_LETTER.test(sk);
  if (lookalikes.size > 0 && (latinContext || wholeScript)) {
    const list = [...lookalikes].map(([ch, s]) => `${codePoint(ch)} (looks like "${s}")`);
    reasons.push(`contains look-alike characters ${list.join(', ')}`);
  } else if (scripts.length > 1 && !isAllowedMix(scripts)) {
    reasons.push(`mixes scripts ${scripts.join('+')}`);
  }
  if (invisible.length > 0) reasons.push(`contains invisible characters ${invisible.join(', ')}`);
  if (compat) reasons.push('contains compatibility characters (e.g. fullwidth) that normalize to other text');
  if (wholeScript) reasons.push(`is written in ${scripts[0]} letters that look like the Latin "${sk}"`);
  return reasons;
}

/**
 * Why a name is suspicious, or [] when it is not: nameReasons, plus a skeleton equal to another known name
 * (`others`, e.g. the names that existed before or exist beside it). `skeletonOf` lets callers that check
 * many names cache skeletons.
 */
export function confusableReasons(
  name: string,
  others: Iterable<string>,
  skeletonOf: (other: string) => string = skeleton,
): string[] {
  const reasons = nameReasons(name);
  const mine = skeleton(name);
  for (const other of others) {
    if (other !== name && skeletonOf(other) === mine) reasons.push(`is confusable with "${other}"`);
  }
  return reasons;
}

/** One name of a lockfile that a model or a reviewer could mistake for another. */
export interface ConfusableName {
  server: string;
  kind: 'tool' | 'prompt';
  name: string;
  /** Each reason in one sentence fragment (`mixes scripts Cyrillic+Latin`, `is confusable with …`). */
  reasons: string[];
}

/** What findConfusableNames reads of a lockfile: per server, entries keyed by name. */
export type NamedEntries = Record<string, { tools: object; prompts: object }>;

/**
 * Every tool and prompt name of a set of servers (a lockfile's) that is suspicious on its own (nameReasons)
 * or confusable with another name of the same kind, in the same server or in another one (equal UTS #39
 * skeletons, different strings; the same name in two servers is not a look-alike). Sorted by server, kind,
 * name; deterministic. Pure.
 */
export function findConfusableNames(servers: NamedEntries): ConfusableName[] {
  const out: ConfusableName[] = [];
  for (const kind of ['tool', 'prompt'] as const) {
    const all: { server: string; name: string; skeleton: string }[] = [];
    for (const [server, entry] of Object.entries(servers)) {
      for (const name of Object.keys(kind === 'tool' ? entry.tools : entry.prompts)) {
        all.push({ server, name, skeleton: skeleton(name) });
      }
    }
    const bySkeleton = new Map<string, typeof all>();
    for (const item of all) bySkeleton.set(item.skeleton, [...(bySkeleton.get(item.skeleton) ?? []), item]);
    for (const item of all) {
      const reasons = nameReasons(item.name);
      for (const other of bySkeleton.get(item.skeleton) ?? []) {
        if (other.name === item.name) continue;
        const where = other.server === item.server ? '' : ` of server "${other.server}"`;
        reasons.push(`is confusable with ${kind} "${other.name}"${where}`);
      }
      if (reasons.length > 0) out.push({ server: item.server, kind, name: item.name, reasons });
    }
  }
  const key = (c: ConfusableName) => `${c.server}\u0000${c.kind}\u0000${c.name}`;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * The confusable names among one list (a server's tool names, as the CEL function confusableNames sees
 * them), each as `"name": reason; reason`. Sorted, deterministic. Pure.
 */
export function describeConfusableNames(names: readonly string[]): string[] {
  const found = findConfusableNames({
    '': { tools: Object.fromEntries(names.map((n) => [n, true])), prompts: {} },
  });
  return found.map((f) => `${JSON.stringify(f.name)}: ${f.reasons.join('; ')}`);
}

/**
 * The names of `names` confusable with a different name of `others` (the names of the other servers a host
 * runs beside it): equal skeletons, different strings. When only the other name is suspicious on its own
 * (a Cyrillic or fullwidth `ｒｅａｄ_file` beside a plain `read_file`), the plain one is the imitated
 * original and is left out, so the victim server is not refused for its neighbour's name. Between two plain
 * ASCII names (`read_fiIe` and `read_file`, `rnove` and `move`) nothing says which one imitates: both are
 * reported (fail closed; findConfusableNames warns about every pair either way). Each as
 * `"name": is confusable with "other" of another server`. Sorted, deterministic. Pure.
 */
export function describeConfusableAcross(names: readonly string[], others: readonly string[]): string[] {
  const bySkeleton = new Map<string, string[]>();
  for (const other of new Set(others)) {
    const sk = skeleton(other);
    bySkeleton.set(sk, [...(bySkeleton.get(sk) ?? []), other]);
  }
  const out: string[] = [];
  for (const name of [...new Set(names)].sort()) {
    const plain = nameReasons(name).length === 0;
    const matches = (bySkeleton.get(skeleton(name)) ?? [])
      .filter((o) => o !== name && !(plain && nameReasons(o).length > 0))
      .sort();
    if (matches.length > 0)
      out.push(
        `${JSON.stringify(name)}: ${matches.map((m) => `is confusable with ${JSON.stringify(m)} of another server`).join('; ')}`,
      );
  }
  return out;
}
