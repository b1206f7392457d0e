/**
 * Intent checks that need more than one text: a description against the tool's own annotations, and a
 * description against the language of the rest of the server. Pure and linear.
 */

const NEGATED = /\b(never|not|no|don'?t|doesn'?t|won'?t|cannot|can'?t|without|nor)\b[^.!?\n]{0,30}$/i;

// Verbs that assert a change of state, in the forms a description uses for what the tool itself does.
const MUTATES =
  /\b(deletes|deleting|removes|removing|erases|wipes|drops|destroys|overwrites|modifies|modifying|writes to|updates|creates|sends|posts|uploads|executes|transfers|purges|truncates|kills|terminates|resets|revokes|formats the|chmods?|moves|renames|installs|uninstalls)\b/i;
const DESTROYS =
  /\b(deletes|deleting|erases|wipes|destroys|drops (the |all |a )?(table|database|collection|index)|overwrites|purges|truncates|permanently remov\w*|irreversibl\w*)\b/i;
const EXTERNAL =
  /\b(sends|posts|uploads|transmits|forwards|shares|syncs|reports)\b[^.!?\n]{0,60}?(https?:\/\/|\b(external|remote|third[- ]party|outside|public) (server|service|endpoint|api|host)s?\b|\bwebhooks?\b|\bthe internet\b)/i;
const CLAIMS_READ_ONLY =
  /\b(read[- ]?only|does not (modify|change|write|delete)|never (modifies|changes|writes|deletes)|no side[- ]effects|side[- ]effect[- ]free|only reads)\b/i;
// What a read-only tool cannot offer: a write mode, write operations, deletion.
const OFFERS_WRITES =
  /\b(write[_ -]?mode|enables? (writ\w*|delet\w*|modif\w*)|write operations|write access|allows? (writes|writing|deletion|deleting|modification)|overwrit\w+)\b/i;
const WRITE_PROPERTY =
  /(^|[_-])(write|delete|drop|overwrite|exec|execute|command|sudo|destructive)([_-]|$)|^(write|delete|overwrite|exec)/i;

// The verb is the tool's own action when it opens a sentence or follows its subject or a conjunction;
// "progress updates" or "the latest posts" are nouns.
const SUBJECT =
  /(^|[.!?;:\n]\s*|[,(]\s*|\b(it|this tool|the tool|tool|also|then|and|or|which|that|silently|quietly|automatically|permanently|actually|really)\s+)$/i;

function affirmative(re: RegExp, text: string): string {
  const global = new RegExp(re.source, 'gi');
  for (const m of text.matchAll(global)) {
    const before = text.slice(Math.max(0, m.index - 40), m.index);
    if (!NEGATED.test(before) && SUBJECT.test(before)) return m[0];
  }
  return '';
}

/**
 * How a description contradicts the tool's annotations (or itself): readOnlyHint true but it says it
 * deletes/writes/sends, destructiveHint false but it says it erases, openWorldHint false but it sends to an
 * outside endpoint, or it claims to be read-only and says it deletes. Negated statements ("does not
 * delete") do not count. Returns the contradiction in words, or "".
 */
export function contradictsAnnotations(description: string, annotations: Record<string, unknown>): string {
  if (description === '') return '';
  if (annotations.readOnlyHint === true) {
    const verb = affirmative(MUTATES, description);
    if (verb !== '') return `readOnlyHint is true but the description says it "${verb}"`;
  }
  if (annotations.destructiveHint === false) {
    const verb = affirmative(DESTROYS, description);
    if (verb !== '') return `destructiveHint is false but the description says it "${verb}"`;
  }
  if (annotations.openWorldHint === false) {
    const sink = affirmative(EXTERNAL, description);
    if (sink !== '') return `openWorldHint is false but the description says it "${sink}"`;
  }
  const claim = CLAIMS_READ_ONLY.exec(description);
  if (claim !== null) {
    const verb = affirmative(DESTROYS, description) || affirmative(OFFERS_WRITES, description);
    if (verb !== '') return `the description claims "${claim[0]}" and says it "${verb}"`;
  }
  return '';
}

/**
 * A description that claims the tool is read-only while its input schema has a parameter named for
 * writing, deleting or running commands (write_mode, delete, overwrite, exec, command, …). Returns the
 * contradiction in words, or "".
 */
export function contradictsSchema(description: string, inputSchema: Record<string, unknown>): string {
  const claim = CLAIMS_READ_ONLY.exec(description);
  if (claim === null) return '';
  const props = inputSchema.properties;
  if (props === null || typeof props !== 'object') return '';
  const name = Object.keys(props).find((p) => WRITE_PROPERTY.test(p));
  return name === undefined
    ? ''
    : `the description claims "${claim[0]}" but the schema has a "${name}" parameter`;
}

const SCRIPT_TESTS: [string, RegExp][] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Han', /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Thai', /\p{Script=Thai}/u],
];

const FUNCTION_WORDS: Record<string, Set<string>> = {
  en: new Set('the and of to is are this that with for from you your it be by on not or'.split(' ')),
  es: new Set(
    'el los las del que para por con una es su sus al pero más sin este esta todo usted no y'.split(' '),
  ),
  fr: new Set(
    'le la les des du est et pour avec dans sur une vous votre nous pas sont ce cette qui au'.split(' '),
  ),
  de: new Set(
    'der die das und nicht mit für ist ein eine den dem sie auf auch zu im oder bei nach über'.split(' '),
  ),
  it: new Set('il lo gli della delle dei che non sono questo questa per con una anche nel nella'.split(' ')),
  pt: new Set('o os as do da dos das que não você com para uma seu sua por em ao sem'.split(' ')),
};

const LETTER = /\p{L}/u;
const WORD = /\p{L}+/gu;

/**
 * The language of a text when it can be told: a script name for non-Latin text (Han, Cyrillic, Arabic, …),
 * or en/es/fr/de/it/pt for Latin text by its function words; "" for short or undecided texts (fewer than
 * 20 letters, or Latin text with fewer than two function words).
 */
export function languageOf(text: string): string {
  // Plain ASCII is Latin script: count letters without walking the scripts.
  if (/^[\x00-\x7f]*$/.test(text)) {
    if ((text.match(/[A-Za-z]/g)?.length ?? 0) < 20) return '';
    return latinLanguage(text);
  }
  const counts = new Map<string, number>();
  let letters = 0;
  for (const ch of text) {
    if (!LETTER.test(ch)) continue;
    letters++;
    const script = SCRIPT_TESTS.find(([, re]) => re.test(ch))?.[0] ?? 'Other';
    counts.set(script, (counts.get(script) ?? 0) + 1);
  }
  if (letters < 20) return '';
  const [script] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  return script === 'Latin' ? latinLanguage(text) : script;
}

function latinLanguage(text: string): string {
  const words = text.toLowerCase().match(WORD) ?? [];
  let best = '';
  let bestCount = 1;
  for (const [lang, set] of Object.entries(FUNCTION_WORDS)) {
    const n = words.filter((w) => set.has(w)).length;
    if (n > bestCount) {
      best = lang;
      bestCount = n;
    }
  }
  return best;
}

/**
 * The language most of `texts` are in, when at least two are decided and more than half of those agree;
 * "" otherwise.
 */
export function majorityLanguage(texts: readonly string[]): { language: string; decided: number } {
  const tally = new Map<string, number>();
  let decided = 0;
  for (const t of texts) {
    const lang = languageOf(t);
    if (lang === '') continue;
    decided++;
    tally.set(lang, (tally.get(lang) ?? 0) + 1);
  }
  const [language, n] = [...tally.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  return decided >= 2 && n * 2 > decided ? { language, decided } : { language: '', decided };
}

/**
 * The language of `text` when it differs from the language most of `others` are in (see
 * majorityLanguage; `text` itself is left out of the count): a description in German on a server whose
 * other texts are English. "" otherwise, including for a server written entirely in one language.
 */
export function languageOutlier(text: string, others: readonly string[]): string {
  const mine = languageOf(text);
  if (mine === '') return '';
  const { language } = majorityLanguage(others.filter((o) => o !== text));
  return language !== '' && language !== mine ? mine : '';
}
