/**
 * Homoglyph detection for entry names. A compact subset of Unicode's confusables (UTS #39) covering the
 * letters attackers actually use against ASCII identifiers: Cyrillic, Greek, Armenian and fullwidth
 * look-alikes, plus invisible characters. Pure.
 */
const CONFUSABLES: Record<string, string> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  һ: 'h',
  і: 'i',
  ї: 'i',
  ј: 'j',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ɡ: 'g',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  У: 'Y',
  Ѕ: 'S',
  І: 'I',
  Ј: 'J',
  // Greek
  α: 'a',
  ο: 'o',
  ρ: 'p',
  ν: 'v',
  ι: 'i',
  κ: 'k',
  τ: 't',
  υ: 'u',
  χ: 'x',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  // Armenian and others
  օ: 'o',
  ս: 'u',
  ց: 'g',
  ı: 'i',
  ℓ: 'l',
  '‐': '-',
  '‑': '-',
  '‒': '-',
  '–': '-',
  '−': '-',
  '＿': '_',
};

/** Zero-width, joiners, bidi controls, soft hyphen, tag characters, variation selectors. */
const INVISIBLE =
  /\u034f|[\ufe00-\ufe0f]|[\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0]|[\u{e0000}-\u{e007f}]/gu;

function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The ASCII look-alike skeleton of a name: NFKC (folds fullwidth), invisibles removed, homoglyphs mapped. */
export function skeleton(name: string): string {
  // Printable ASCII is its own skeleton (NFKC leaves it alone; nothing in it maps): the common case, fast.
  if (/^[\x20-\x7e]*$/.test(name)) return name;
  let out = '';
  for (const ch of name.normalize('NFKC').replace(INVISIBLE, '')) out += CONFUSABLES[ch] ?? ch;
  return out;
}

/**
 * Why a name is suspicious, or [] when it is not: look-alike letters (with code points), invisible
 * characters, fullwidth forms, or a skeleton equal to another known name (`others`, e.g. the names that
 * existed before or exist beside it). `skeletonOf` lets callers that check many names cache skeletons.
 */
export function confusableReasons(
  name: string,
  others: Iterable<string>,
  skeletonOf: (other: string) => string = skeleton,
): string[] {
  const reasons: string[] = [];
  const lookalikes = [...name].filter((ch) => CONFUSABLES[ch] !== undefined);
  if (lookalikes.length > 0) {
    reasons.push(
      `contains look-alike characters ${lookalikes.map((ch) => `${codePoint(ch)} (looks like "${CONFUSABLES[ch]}")`).join(', ')}`,
    );
  }
  const invisible = name.match(INVISIBLE);
  if (invisible !== null)
    reasons.push(`contains invisible characters ${invisible.map(codePoint).join(', ')}`);
  if (name.normalize('NFKC') !== name && lookalikes.length === 0) {
    reasons.push('contains compatibility characters (e.g. fullwidth) that normalize to other text');
  }
  const mine = skeleton(name);
  for (const other of others) {
    if (other !== name && skeletonOf(other) === mine) reasons.push(`is confusable with "${other}"`);
  }
  return reasons;
}
