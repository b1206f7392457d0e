import { skeleton } from '../../diff/index.js';

/**
 * Text inspections behind the CEL functions of the same names (see policies/README.md). Pure, linear-time
 * regexes only (no nested quantifiers) so that a hostile description cannot make a check slow.
 */

/** `U+XXXX` for one character. */
export function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

// Zero-width and joiners, bidi embedding/override/isolate controls, invisible operators, BOM, soft hyphen,
// Mongolian vowel separator, Hangul fillers, tag characters (ASCII smuggling) and the variation selectors
// supplement (emoji smuggling). ZWJ and VS15/VS16 are legitimate inside emoji sequences and handled below.
const HIDDEN =
  // biome-ignore lint/suspicious/noMisleadingCharacterClass: lone invisible code points are what we look for
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]|[\u{e0000}-\u{e007f}]|[\u{e0100}-\u{e01ef}]/gu;
const PICTO = /\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}/u;

/** Invisible or direction-changing characters as `U+XXXX` (deduplicated, first-seen order). */
const PLAIN = /^[\x20-\x7e\t\n\r]*$/;

/** True for printable ASCII (plus tab/newline/CR): the fast path of every Unicode check. */
export function isPlainAscii(s: string): boolean {
  return PLAIN.test(s);
}

export function hiddenChars(s: string): string[] {
  if (PLAIN.test(s)) return [];
  const found = new Set<string>();
  for (const m of s.matchAll(HIDDEN)) {
    const ch = m[0];
    const cp = ch.codePointAt(0) ?? 0;
    if (cp === 0x200d || cp === 0xfe0e || cp === 0xfe0f) {
      // ZWJ / text-or-emoji presentation selectors between emoji are how emoji are spelled.
      const before = s.slice(Math.max(0, m.index - 2), m.index);
      const after = s.slice(m.index + 1, m.index + 3);
      if (PICTO.test(before) || (cp === 0x200d && PICTO.test(after))) continue;
    }
    found.add(codePoint(ch));
  }
  return [...found];
}

/** Decode Unicode tag characters (U+E0020–U+E007E) back to the ASCII they smuggle. */
export function decodeTagChars(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0xe0020 && cp <= 0xe007e) out += String.fromCharCode(cp - 0xe0000);
  }
  return out;
}

// ESC / 8-bit CSI, and C0/C1 controls other than tab, newline and carriage return.
const ANSI = /\u001b[[\]PX^_()#%]?|\u009b/;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** True when the text contains an ANSI escape sequence introducer (ESC or CSI). */
export function hasAnsi(s: string): boolean {
  return ANSI.test(s);
}

/** True when the text contains any control character other than \t, \n, \r (ANSI escapes included). */
export function hasControlChars(s: string): boolean {
  return CONTROL.test(s);
}

/** Characters that look like ASCII letters but are not (Cyrillic а, Greek ο, fullwidth ａ, …), as `U+XXXX (x)`. */
export function confusableChars(s: string): string[] {
  if (PLAIN.test(s)) return [];
  const found = new Set<string>();
  for (const ch of s) {
    if ((ch.codePointAt(0) ?? 0) < 0x80) continue;
    const sk = skeleton(ch);
    if (sk !== ch && /^[\x20-\x7e]+$/.test(sk)) found.add(`${codePoint(ch)} (looks like "${sk}")`);
  }
  return [...found];
}

const SCRIPTS: [string, RegExp][] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Han', /\p{Script=Han}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
];

/** Scripts of the letters in an identifier (Latin, Cyrillic, Greek, …; `Other` for the rest). */
export function scriptsOf(s: string): string[] {
  if (PLAIN.test(s)) return /[A-Za-z]/.test(s) ? ['Latin'] : [];
  const found = new Set<string>();
  for (const ch of s) {
    if (!/\p{L}/u.test(ch)) continue;
    const hit = SCRIPTS.find(([, re]) => re.test(ch));
    found.add(hit ? hit[0] : 'Other');
  }
  return [...found].sort();
}

/**
 * True when an identifier (tool/prompt name) could impersonate another: it mixes scripts, contains
 * invisible characters or compatibility forms (fullwidth) that normalize differently, or is written
 * entirely in ASCII look-alikes of another script. A plain all-Cyrillic or all-Greek name is fine.
 */
export function isConfusableName(s: string): boolean {
  if (PLAIN.test(s)) return false;
  if (scriptsOf(s).length > 1 || hiddenChars(s).length > 0 || s.normalize('NFKC') !== s) return true;
  // A single-script name is only an impostor when every letter has an ASCII look-alike ("аре" = "ape").
  const sk = skeleton(s);
  return sk !== s && /^[\x20-\x7e]+$/.test(sk);
}

/** The ASCII look-alike skeleton (UTS #39 subset): equal skeletons mean confusable names. */
export function nameSkeleton(s: string): string {
  return skeleton(s).toLowerCase();
}

const B64_RUN = /[A-Za-z0-9+/_-]{40,}={0,2}/g;

/**
 * Runs of at least `min` characters that look like base64 (standard or URL-safe): mixed case and digits,
 * so hex digests, identifiers and long words do not count.
 */
export function base64Blobs(s: string, min = 40): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(B64_RUN)) {
    const run = m[0];
    if (run.length < min) continue;
    const body = run.replace(/=+$/, '');
    if (!/[A-Z]/.test(body) || !/[a-z]/.test(body) || !/[0-9]/.test(body)) continue;
    // Words joined by _ or - (snake_case identifiers, slugs) are not blobs: blobs have long unbroken runs.
    const longest = Math.max(...body.split(/[_-]/).map((p) => p.length));
    if (longest < Math.min(min, 32)) continue;
    // Mostly letters with a rare digit = a long camelCase identifier, not data.
    const digits = body.replace(/[^0-9]/g, '').length;
    const switches = body.replace(/[^A-Z]/g, '').length;
    if (digits < 2 && switches < body.length / 8) continue;
    // Random bytes (signatures, keys, hashes) are data; blobs that decode to words, or very long blobs,
    // are payloads a model could decode and follow.
    const decoded = decodeBase64Text(body);
    const wordy = decoded !== '' && (decoded.match(/ /g)?.length ?? 0) >= 2;
    if (!wordy && run.length < 200) continue;
    out.push(run);
  }
  return out;
}

/** The UTF-8 text a base64 blob decodes to, or "" when it is not printable text. */
export function decodeBase64Text(blob: string): string {
  const std = blob.replace(/-/g, '+').replace(/_/g, '/');
  try {
    const text = Buffer.from(std, 'base64').toString('utf8');
    const printable = text.replace(/[^\x20-\x7e\n\r\t]/g, '').length;
    return text.length > 0 && printable / text.length > 0.9 ? text : '';
  } catch {
    return '';
  }
}

const LATIN_LETTER = /\p{Script=Latin}/u;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const LETTER = /\p{L}/u;
// A passage right after "e.g." / "for example" / "such as" is a documented input format, not a payload.
const EXAMPLE_BEFORE =
  /(\be\.\s?g\.|\bi\.\s?e\.|\bfor example|\bfor instance|\bexamples?|\bsuch as|\blike|例如|比如|例えば)\s*[:：]?\s*['"‘“(（]?\s*$/i;
// Sentence punctuation or a space inside a CJK run: a phrase, not a single name or address.
const PHRASE_MARK = /[。，、！？；：,.!?;:]|\p{L}\s+\p{L}/u;

/** True when the text just before `index` introduces an example ("e.g.", "for example", "such as", …). */
export function isExampleAt(s: string, index: number): boolean {
  return EXAMPLE_BEFORE.test(s.slice(Math.max(0, index - 20), index));
}

/**
 * A non-Latin-script passage inside otherwise English (Latin) text: a run of at least 24 letters of
 * another script, or at least 10 CJK letters (denser) forming a phrase (with punctuation or spaces), in a
 * text that also has an English part: at least 12 Latin letters, or 8 before the passage. Short examples
 * ("こんにちは", "Москва", a Greek word), a name or address after "e.g." and text with no English part do
 * not count. Returns the passage or "".
 */
export function foreignPayload(s: string): string {
  if (PLAIN.test(s)) return '';
  let latin = 0;
  for (const ch of s) if (LATIN_LETTER.test(ch)) latin++;
  if (latin < 8) return '';
  let run = '';
  let runStart = 0;
  let runLetters = 0;
  let runCjk = 0;
  let latinBefore = 0;
  let best = '';
  let index = 0;
  const flush = () => {
    const passage = run.trim();
    const long = runLetters >= 24 || (runCjk >= 10 && PHRASE_MARK.test(passage));
    if (long && (latin >= 12 || latinBefore >= 8) && !isExampleAt(s, runStart)) best ||= passage;
    run = '';
    runLetters = 0;
    runCjk = 0;
  };
  for (const ch of s) {
    if (LETTER.test(ch)) {
      if (LATIN_LETTER.test(ch)) {
        flush();
        latinBefore++;
      } else {
        if (run === '') runStart = index;
        run += ch;
        runLetters++;
        if (CJK.test(ch)) runCjk++;
      }
    } else if (run !== '') {
      run += ch;
    }
    index += ch.length;
  }
  flush();
  return best;
}

// Function words of Spanish, French, German, Italian and Portuguese that are not English words.
const FOREIGN_WORDS = new Set(
  (
    'el los las del que para por con una uno unos su sus al también pero como más sin sobre nuestro nuestra ' +
    'nuestros este esta estos todo todos toda todas le les lo se ni usuario digas nunca siempre antes ' +
    'la des du est et pour avec dans sur une vous votre vos nous notre pas sont aux ces cette ce qui il elle ' +
    'ne au tous toutes sans utilisateur jamais toujours précédentes ' +
    'und der das nicht mit für ist ein eine einen den dem sie auf auch ohne zu im vom zum zur bitte wird ' +
    'werden oder aus bei nach über alle dass sich es benutzer immer niemals ' +
    'che non gli della delle dei sono questo questa tutti anche senza nel nella utente sempre mai ' +
    'não você com os seu sua seus dos das nos ao sem usuário pelo pela'
  ).split(' '),
);
const FOREIGN_GATE = new RegExp(`(?<!\\p{L})(${[...FOREIGN_WORDS].join('|')})(?!\\p{L})`, 'iu');
const WORDS = /\p{L}+/gu;
const ENGLISH_WORDS = new Set(
  'the a an and or to of in on for with from by this that is are be it you your if as at not no all any'.split(
    ' ',
  ),
);

/**
 * A sentence in another Latin-script language (Spanish, French, German, Italian, Portuguese: at least 6
 * words, 3 or more of them foreign function words, more than twice the English ones) inside text that also
 * has an English sentence (2+ words, no foreign function word). A text entirely in German is not a payload.
 */
export function foreignLatinPassage(s: string): string {
  if (!FOREIGN_GATE.test(s)) return '';
  let english = false;
  let best = '';
  for (const sentence of s.split(/(?<=[.!?;:\n])\s+/)) {
    const words = sentence.toLowerCase().match(WORDS) ?? [];
    let foreign = 0;
    let englishWords = 0;
    for (const w of words) {
      if (FOREIGN_WORDS.has(w)) foreign++;
      else if (ENGLISH_WORDS.has(w)) englishWords++;
    }
    if (words.length >= 6 && foreign >= 3 && foreign > 2 * englishWords) best ||= sentence.trim();
    else if (foreign === 0 && words.length >= 2) english = true;
  }
  return english ? best : '';
}
