import { skeleton } from '../../diff/index.js';
import { decodeBase64Text, isPlainAscii } from './text.js';

/**
 * Normalization before matching. An instruction is the same instruction whatever it is dressed in, so the
 * phrase detectors (capseal's families and the ATR rules) run over views of the text in which the usual
 * disguises are undone:
 *
 * 1. NFKC (fullwidth and other compatibility forms become ASCII), then zero-width, bidi-control, tag and
 *    variation-selector characters removed (the raw text is kept for the hidden-character rules);
 * 2. words that mix Latin letters with look-alikes from another script folded to their ASCII skeleton
 *    ("ignоre" with a Cyrillic о); whole words in one script (real Russian, Greek) are left alone;
 * 3. combining marks dropped ("D̲o n̲ot"); letters split by spaces or punctuation joined ("i g n o r e",
 *    "i.g.n.o.r.e") and words split by a separator rejoined ("ig-nore", "ign*ore") when the halves are no
 *    words; sensitive words split by spaces rejoined ("conver sation", "pass word");
 * 4. leetspeak folded in tokens that mix letters and digits/symbols ("1gn0r3", "pr3v!ous");
 * 5. encoded runs decoded and appended as their own views: base64 (20+ characters), hex (10+ bytes, with or
 *    without \x), URL-encoding (3+ escapes), when they decode to printable text.
 *
 * The cost is linear in the text; `MAX_SCAN_CHARS` bounds it (the rest of a longer text is not scanned, and
 * the caller says so).
 */

/** Characters of one text the phrase detectors read (about 16 KB); the rest is not scanned. */
export const MAX_SCAN_CHARS = 16_384;

// Same set as text.ts HIDDEN, minus the emoji presentation selectors that carry no payload on their own.
const INVISIBLE =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: lone invisible code points are what we remove
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]|[\u{e0000}-\u{e007f}]|[\u{e0100}-\u{e01ef}]/gu;

const MIXED_WORD = /[\p{L}\p{M}]+/gu;
const LATIN = /[A-Za-z]/;
const NON_ASCII_LETTER = /[^\x00-\x7f]/;

export function foldMixedWords(s: string): string {
  if (isPlainAscii(s)) return s;
  return s.replace(MIXED_WORD, (w) => (LATIN.test(w) && NON_ASCII_LETTER.test(w) ? skeleton(w) : w));
}

// Three or more single letters separated by one space or one punctuation mark: "i g n o r e", "s.e.n.d".
const SPLIT_LETTERS = /(?<![\p{L}\d])\p{L}(?:[ .\-_*|/+~·•,'"]\p{L}){2,}(?![\p{L}\d])/gu;
// A word broken by one separator inside it: "ig-nore", "pre*vious", "in_structions".
// Not "." (domains, file names): "ig.nore" stays as it is.
const SPLIT_WORD = /\b([A-Za-z]{2,})[-*_|~+·]([A-Za-z]{2,})\b/g;
const COMMON_HALVES = new Set(
  'a an the to of in on by for and or re un non pre sub co self read write only e mail log out up down in set get key value'.split(
    ' ',
  ),
);

// ASCII pre-tests for the two joins: three single letters with separators, or a word with one inside.
const MAYBE_SPLIT_LETTERS =
  /(?:^|[^A-Za-z\d])[A-Za-z][ .\-_*|/+~,'"][A-Za-z][ .\-_*|/+~,'"][A-Za-z](?![A-Za-z\d])/;
const MAYBE_SPLIT_WORD = /[A-Za-z]{2}[-*_|~+][A-Za-z]{2}/;

export function joinSplits(s: string): string {
  const ascii = isPlainAscii(s);
  const letters = !ascii || MAYBE_SPLIT_LETTERS.test(s);
  const words = !ascii || MAYBE_SPLIT_WORD.test(s);
  if (!letters && !words) return s;
  const joined = letters ? s.replace(SPLIT_LETTERS, (m) => m.replace(/[^\p{L}]/gu, '')) : s;
  if (!words) return joined;
  // Join "ig-nore" only when neither half is a word people hyphenate (read-only, e-mail, re-run …).
  return joined.replace(SPLIT_WORD, (m, a: string, b: string) =>
    COMMON_HALVES.has(a.toLowerCase()) || COMMON_HALVES.has(b.toLowerCase()) || (a.length > 3 && b.length > 3)
      ? m
      : a + b,
  );
}

const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
};
// Only tokens where a letter touches a leet character are candidates.
const LEET_PAIR = /[A-Za-z][013457@$!|8]|[013457@$!|8][A-Za-z]/g;
const TOKEN_CHAR = /[\w@$!|]/;

// Words an attack spells with one digit ("d1sregard", "pr3vious", "a11"): read even where the token would
// otherwise pass for an identifier (v2, s3, utf8), since no identifier spells these.
const LEET_WORDS = new Set(
  'all ignore disregard forget previous prior above instructions instruction rules system prompt secret secrets password passwords token tokens credentials override bypass send upload everything conversation history assistant'.split(
    ' ',
  ),
);

function unleetToken(t: string): string {
  if (t.length < 3 || t.length > 24) return t; // long runs are data (base64, hashes)
  if (!/[A-Za-z][^A-Za-z]*[A-Za-z]/.test(t)) return t;
  // Identifiers and numbers with units (v2, s3, utf8, 1024px, sha256) are not leetspeak.
  if (/^[A-Za-z]+\d+$|^\d+[A-Za-z]{1,3}$|^[a-z]+\d[a-z]+\d*$/i.test(t) && !/[@$!|]/.test(t)) {
    const word = t.toLowerCase().replace(/[013457@$!|8]/g, (c) => LEET[c] ?? c);
    if (LEET_WORDS.has(word)) return word;
    const ell = t
      .toLowerCase()
      .replace(/1/g, 'l')
      .replace(/[03457@$!|8]/g, (c) => LEET[c] ?? c);
    return LEET_WORDS.has(ell) ? ell : t;
  }
  return t.replace(/[013457@$!|8]/g, (c) => LEET[c] ?? c);
}

// Only tokens where a letter touches a leet character are candidates: find those pairs (a cheap regex),
// then widen each to its token.
export function unleet(s: string): string {
  let out = '';
  let last = 0;
  for (const m of s.matchAll(LEET_PAIR)) {
    if (m.index < last) continue;
    let start = m.index;
    while (start > last && TOKEN_CHAR.test(s.charAt(start - 1))) start--;
    let end = m.index + 2;
    while (end < s.length && TOKEN_CHAR.test(s.charAt(end))) end++;
    out += s.slice(last, start) + unleetToken(s.slice(start, end));
    last = end;
  }
  return last === 0 ? s : out + s.slice(last);
}

const LONG_TOKEN = /(?<!\S)\S{20,}/g;
// Runs start where the alphabet starts (a lookbehind), so the scan does not retry inside a run.
const B64 = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{20,}={0,2}|(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{24,}/g;
const HEX = /(?:\\x[0-9a-fA-F]{2}){6,}|\b(?:[0-9a-fA-F]{2}){10,}\b/g;
const PCT = /(?:%[0-9a-fA-F]{2}[^\s%]{0,3}){3,}/g;

function printable(text: string): boolean {
  if (text.length < 6) return false;
  const ok = text.replace(/[^\x20-\x7e\n\r\t]/g, '').length;
  return ok / text.length > 0.9 && /[A-Za-z]{3,}/.test(text);
}

/** Printable texts hidden in encoded runs (base64, hex, URL-encoding), at most 8, each at most 4 KB. */
export function decodedRuns(s: string): string[] {
  const out: string[] = [];
  const push = (text: string) => {
    if (out.length < 8 && printable(text)) out.push(text.slice(0, 4_096));
  };
  // Only long whitespace-free tokens can hold a run: test those, not every position of the text.
  const tokens = [...s.matchAll(LONG_TOKEN)].flatMap((m) =>
    m[0].split(/["'`()<>[\]{},;]+/).filter((t) => t.length >= 20),
  );
  const joined = tokens.join(' ');
  for (const m of joined.matchAll(B64)) {
    const run = m[0];
    // Words and identifiers are not base64: require a digit or a case switch inside the run.
    if (!/[0-9+/]/.test(run) && !/[a-z][A-Z]/.test(run)) continue;
    const text = decodeBase64Text(run);
    if (text !== '' && / /.test(text)) push(text);
  }
  for (const m of joined.matchAll(HEX)) {
    const hex = m[0].replace(/\\x/g, '');
    if (!/[a-fA-F]/.test(hex) || !/\d/.test(hex)) continue;
    push(Buffer.from(hex, 'hex').toString('utf8'));
  }
  for (const m of s.includes('%') ? s.matchAll(PCT) : []) {
    try {
      push(decodeURIComponent(m[0]));
    } catch {
      // Not valid percent-encoding: nothing hidden there.
    }
  }
  return out;
}

/** NFKC with invisible characters removed: what a reader sees. */
export function visibleText(s: string): string {
  const cut = s.length > MAX_SCAN_CHARS ? s.slice(0, MAX_SCAN_CHARS) : s;
  if (isPlainAscii(cut)) return cut;
  return cut.normalize('NFKC').replace(INVISIBLE, '');
}

// Combining marks drawn over letters (underline U+0332, strike-through, Zalgo) keep a word readable to a
// person and unreadable to a regex; the de-obfuscated view drops them (accents go too, in that view only).
const COMBINING = /\p{M}+/gu;

export function dropMarks(s: string): string {
  return isPlainAscii(s) ? s : s.normalize('NFD').replace(COMBINING, '').normalize('NFC');
}

// Sensitive words split by a space ("conver sation", "pass word", "instruc tions"): rejoined when two or
// three adjacent fragments spell one of them exactly.
const SPLITTABLE = new Set(
  (
    'conversation conversations credential credentials password passwords instruction instructions secret secrets ' +
    'history transcript token tokens apikey privatekey exfiltrate exfiltrated confidential previous ignore ' +
    'disregard override system prompt assistant user users data webhook endpoint upload uploads send sends ' +
    'forward forwards telemetry message messages context everything silently including usage'
  ).split(' '),
);
// Every proper prefix of a splittable word: a fragment that is none of them cannot start a split word.
const PREFIXES = new Set(
  [...SPLITTABLE].flatMap((w) => Array.from({ length: w.length - 1 }, (_, i) => w.slice(0, i + 1))),
);
const WORD_RUN = /[A-Za-z]+/g;

// At each position of the squashed text, the longest splittable word starting there; a shorter one
// starting there is its prefix, so it is in the text whenever the longer one is.
const SPLITTABLE_AT = new RegExp(
  `(?=(${[...SPLITTABLE].sort((a, b) => b.length - a.length).join('|')}))`,
  'g',
);

export function joinFragments(s: string): string {
  // Fast path: a split word shows up in the text with its non-letters squeezed out but not as itself.
  const lower = s.toLowerCase();
  const squashed = lower.replace(/[^a-z]+/g, '');
  let split = false;
  for (const m of squashed.matchAll(SPLITTABLE_AT))
    if (!lower.includes(m[1] as string)) {
      split = true;
      break;
    }
  if (!split) return s;
  const words = [...s.matchAll(WORD_RUN)];
  let out = '';
  let last = 0;
  for (let i = 0; i < words.length; i++) {
    const first = words[i] as RegExpMatchArray;
    const lower = first[0].toLowerCase();
    if (first[0].length > 8 || !PREFIXES.has(lower) || SPLITTABLE.has(lower)) continue;
    let joined = lower;
    let end = -1;
    let next = i;
    for (let k = i + 1; k <= i + 2 && k < words.length; k++) {
      const w = words[k] as RegExpMatchArray;
      const prev = words[k - 1] as RegExpMatchArray;
      // Fragments are separated by exactly one space.
      if (
        (w.index as number) !== (prev.index as number) + prev[0].length + 1 ||
        s[(w.index as number) - 1] !== ' '
      )
        break;
      if (w[0].length > 8 || SPLITTABLE.has(w[0].toLowerCase())) break;
      joined += w[0].toLowerCase();
      if (SPLITTABLE.has(joined)) {
        end = (w.index as number) + w[0].length;
        next = k;
      }
    }
    if (end < 0) continue;
    out += s.slice(last, first.index) + s.slice(first.index, end).replace(/ /g, '');
    last = end;
    i = next;
  }
  return last === 0 ? s : out + s.slice(last);
}

/** The de-obfuscated form of a (visible) text: look-alikes folded, split words joined, leetspeak read. */
export function deobfuscate(visible: string): string {
  const ascii = isPlainAscii(visible);
  return unleet(joinFragments(joinSplits(ascii ? visible : foldMixedWords(dropMarks(visible)))));
}

/** The visible text, its de-obfuscated form, and the de-obfuscated texts of its decoded runs. */
export interface ViewSet {
  visible: string;
  plain: string;
  decoded: string[];
}

// Both detectors (capseal's families, the ATR rules) read the same views of the same text, one after the
// other: the last few view sets are kept so the work is done once.
const RECENT = new Map<string, ViewSet>();

/** The three kinds of view of one text (see matchViews). Deterministic; the last 64 are memoized. */
export function viewSet(s: string): ViewSet {
  const hit = RECENT.get(s);
  if (hit !== undefined) return hit;
  const computed = computeViewSet(s);
  if (RECENT.size >= 64) RECENT.delete(RECENT.keys().next().value as string);
  RECENT.set(s, computed);
  return computed;
}

function computeViewSet(s: string): ViewSet {
  const visible = visibleText(s);
  const decoded: string[] = [];
  for (const d of decodedRuns(visible)) {
    const v = deobfuscate(visibleText(d));
    if (!decoded.includes(v)) decoded.push(v);
  }
  return { visible, plain: deobfuscate(visible), decoded };
}

/**
 * The views the phrase detectors read: the visible text, its de-obfuscated form when that differs, and
 * decoded encoded runs. Deterministic and deduplicated; the first view is always the visible text.
 */
export function matchViews(s: string): string[] {
  const { visible, plain, decoded } = viewSet(s);
  return [...new Set([visible, plain, ...decoded])];
}

/** matchViews plus the raw text last: rules about hidden characters (ATR's among them) need it unchanged. */
export function matchViewsWithRaw(s: string): string[] {
  const views = matchViews(s);
  return views.includes(s) ? views : [...views, s.length > MAX_SCAN_CHARS ? s.slice(0, MAX_SCAN_CHARS) : s];
}
