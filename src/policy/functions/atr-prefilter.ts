/**
 * A literal prefilter for the ATR patterns, so hundreds of them cost little on text that could not match.
 * For each pattern we derive, from its source, a set of lowercase ASCII literals (3+ characters) of which
 * every match must contain one (the "required factors" of Google Code Search / RE2's prefilter); a
 * pattern with no such set always runs. At scan time one pass of a single lookahead union over the
 * lowercased text finds every literal that occurs, and only the patterns with a literal present run.
 *
 * The derivation is conservative by construction: anything it does not understand (classes wider than a
 * few letters, `\w`, `\p{…}`, back-references, non-ASCII literals) counts as "any string", which can only
 * widen the set of texts a pattern runs on, never narrow it; zero-width assertions (lookarounds, `\b`,
 * anchors) are dropped, which only widens too. So a pattern that would match is never skipped.
 */

/** What a sub-pattern can match: all of its strings when finitely few, else a required-literal set. */
interface Info {
  exact: string[] | null;
  req: string[] | null;
}

const MAX_SET = 64;
const ANY: Info = { exact: null, req: null };
const EMPTY: Info = { exact: [''], req: null };
/** The literal that stands for "some character beyond ASCII" (a non-ASCII atom or class). */
export const NON_ASCII = '\u0080';
const CONTROL = /^[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]$/;

// How much a literal narrows: 3+ characters well, two characters or one control character (rare in
// text) somewhat, "any non-ASCII character" a little; a set is as weak as its weakest member.
function literalScore(s: string): number {
  if (s === NON_ASCII) return 1.5;
  if (s.length === 1) return CONTROL.test(s) ? 2 : 0;
  return s.length;
}
function score(set: string[] | null): number {
  if (set === null || set.length === 0) return -1;
  return Math.min(...set.map(literalScore));
}

function best(a: string[] | null, b: string[] | null): string[] | null {
  const pick = score(a) >= score(b) ? a : b;
  return score(pick) >= 1.5 ? pick : null;
}

function cross(a: string[], b: string[]): string[] | null {
  if (a.length * b.length > MAX_SET) return null;
  const out = new Set<string>();
  for (const x of a) for (const y of b) out.add((x + y).replace(/ {2,}/g, ' '));
  return [...out];
}

// Whitespace is folded: the text is matched with every whitespace run as one space, so `\s`, `\s+`, a literal
// space or newline all stand for " " (and `\s*` for "" or " ").
const WS: Info = { exact: [' '], req: null };
const lit = (c: string): Info =>
  /\s/.test(c)
    ? WS
    : c.charCodeAt(0) < 0x80
      ? { exact: [c.toLowerCase()], req: null }
      : { exact: null, req: [NON_ASCII] };

class Parser {
  i = 0;
  constructor(readonly src: string) {}

  alternation(): Info {
    const alts = [this.concat()];
    while (this.src[this.i] === '|') {
      this.i++;
      alts.push(this.concat());
    }
    if (alts.length === 1) return alts[0] as Info;
    let exact: string[] | null = [];
    let req: string[] | null = [];
    for (const a of alts) {
      exact = exact !== null && a.exact !== null ? [...new Set([...exact, ...a.exact])] : null;
      if (exact !== null && exact.length > MAX_SET) exact = null;
      const r = best(a.req, a.exact);
      req = req !== null && r !== null ? [...new Set([...req, ...r])] : null;
    }
    return { exact, req };
  }

  concat(): Info {
    let cur: string[] | null = [''];
    let whole = true;
    let req: string[] | null = null;
    const flush = () => {
      req = best(req, cur);
    };
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      const item = this.quantified(this.atom());
      if (item.exact === null) {
        flush();
        whole = false;
        cur = [''];
        req = best(req, item.req);
        continue;
      }
      const next: string[] | null = cross(cur as string[], item.exact);
      if (next === null) {
        flush();
        whole = false;
        cur = item.exact;
      } else cur = next;
      req = best(req, item.req);
    }
    flush();
    return { exact: whole ? cur : null, req };
  }

  quantified(atom: Info): Info {
    const c = this.src[this.i];
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      min = c === '+' ? 1 : 0;
      max = c === '?' ? 1 : Number.POSITIVE_INFINITY;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (m === null) return atom; // a literal brace
      this.i += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
    } else return atom;
    if (this.src[this.i] === '?') this.i++; // lazy
    if (atom.exact?.length === 1 && atom.exact[0] === ' ')
      return min === 0 ? { exact: ['', ' '], req: null } : WS;
    if (min === 0) return max === 1 && atom.exact !== null ? { exact: [...atom.exact, ''], req: null } : ANY;
    const req = best(atom.req, atom.exact);
    return min === 1 && max === 1 ? atom : { exact: null, req };
  }

  atom(): Info {
    const c = this.src[this.i++] as string;
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return this.charClass();
      case '\\':
        return this.escape();
      case '.':
        return ANY;
      case '^':
      case '$':
        return EMPTY;
      default:
        return lit(c);
    }
  }

  group(): Info {
    let lookaround = false;
    if (this.src[this.i] === '?') {
      const rest = this.src.slice(this.i);
      const m = /^\?(:|=|!|<=|<!|<[A-Za-z_$][\w$]*>|[imsx-]+:)/.exec(rest);
      if (m === null) throw new Error('unknown group');
      lookaround = /^\?(=|!|<=|<!)$/.test(m[0]);
      this.i += m[0].length;
    }
    const inner = this.alternation();
    if (this.src[this.i] !== ')') throw new Error('unbalanced group');
    this.i++;
    return lookaround ? EMPTY : inner;
  }

  escape(): Info {
    const c = this.src[this.i++] as string;
    if ('bB'.includes(c)) return EMPTY;
    if (c === 's') return WS;
    if ('dDwWSpPk'.includes(c) || /[1-9]/.test(c)) {
      if ((c === 'p' || c === 'P') && this.src[this.i] === '{') this.i = this.src.indexOf('}', this.i) + 1;
      if (c === 'k' && this.src[this.i] === '<') this.i = this.src.indexOf('>', this.i) + 1;
      return ANY;
    }
    const ch = this.escapedChar(c);
    return ch === null ? ANY : lit(ch);
  }

  /** The character an escape stands for (after the backslash and `c`), or null when unknown. */
  escapedChar(c: string): string | null {
    const hex = (n: number) => {
      const h = this.src.slice(this.i, this.i + n);
      this.i += n;
      return /^[0-9a-fA-F]+$/.test(h) ? String.fromCodePoint(Number.parseInt(h, 16)) : null;
    };
    switch (c) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'f':
      case 'v':
      case '0':
      case 'c':
        if (c === 'c') this.i++;
        return null;
      case 'x':
        return hex(2);
      case 'u':
        if (this.src[this.i] === '{') {
          const end = this.src.indexOf('}', this.i);
          const h = this.src.slice(this.i + 1, end);
          this.i = end + 1;
          return /^[0-9a-fA-F]+$/.test(h) ? String.fromCodePoint(Number.parseInt(h, 16)) : null;
        }
        return hex(4);
      default:
        return c;
    }
  }

  charClass(): Info {
    const negated = this.src[this.i] === '^';
    if (negated) this.i++;
    const chars = new Set<string>();
    let known = !negated;
    let wide = false; // a range entirely beyond ASCII: the class needs a non-ASCII character
    let first = true;
    while (this.i < this.src.length && (this.src[this.i] !== ']' || first)) {
      first = false;
      let ch: string | null = this.src[this.i++] as string;
      if (ch === '\\') {
        const e = this.src[this.i++] as string;
        if (e === 's') {
          chars.add(' ');
          continue;
        }
        if ('dDwWSpPbB'.includes(e)) {
          if ((e === 'p' || e === 'P') && this.src[this.i] === '{')
            this.i = this.src.indexOf('}', this.i) + 1;
          known = false;
          continue;
        }
        ch = this.escapedChar(e);
      }
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.i + 1 < this.src.length) {
        this.i++;
        let hi: string | null = this.src[this.i++] as string;
        if (hi === '\\') hi = this.escapedChar(this.src[this.i++] as string);
        const lo = ch?.codePointAt(0) ?? 0;
        const top = hi?.codePointAt(0) ?? 0x10ffff;
        if (ch !== null && hi !== null && lo >= 0x80 && top - lo > 8) wide = true;
        else if (ch === null || hi === null || top - lo > 8) known = false;
        else for (let k = lo; k <= top; k++) chars.add(String.fromCodePoint(k));
        continue;
      }
      if (ch === null) known = false;
      else chars.add(ch);
    }
    this.i++; // ]
    if (wide && known && chars.size === 0) return { exact: null, req: [NON_ASCII] };
    if (!known) return ANY;
    const lower = [...new Set([...chars].map((x) => (/\s/.test(x) ? ' ' : x.toLowerCase())))];
    if (lower.every((x) => x.charCodeAt(0) >= 0x80)) return { exact: null, req: [NON_ASCII] };
    if (lower.length > 8 || lower.some((x) => x.charCodeAt(0) >= 0x80)) return ANY;
    return { exact: lower, req: null };
  }
}

/**
 * The lowercase literals one of which every match of `source` (a JavaScript pattern, matched
 * case-insensitively) contains, or null when no such set of 3+ character literals is known (the pattern
 * must always run).
 */
export function requiredLiterals(source: string): string[] | null {
  try {
    const p = new Parser(source);
    const info = p.alternation();
    if (p.i !== source.length) return null;
    const set = best(info.req, info.exact);
    // A prefix of a required literal is required too: cutting literals to 8 characters merges the long
    // alternatives cross products produce ("you are now a root|…admin|…dan") into one.
    return set === null ? null : [...new Set(set.map((l) => l.slice(0, 8)))];
  } catch {
    return null;
  }
}

/** A compiled prefilter over many patterns: which of them can match a text at all. */
export interface Prefilter {
  /** Literals of 4+ characters by their first four (one number), then by their fifth character. */
  byQuad: Map<number, QuadBucket>;
  /** The same buckets in an open hash table by slot (collisions chained): no Map lookup per position. */
  quadSlots: (QuadBucket[] | undefined)[];
  /** Shorter literals (three or two characters, a control character), found with includes(). */
  short: string[];
  /** Per pattern: its literals, or null (always runs). */
  literals: (string[] | null)[];
  /** Per literal: the patterns it gates; and the patterns that always run (1) as a template. */
  byLiteral: Map<string, number[]>;
  always: Uint8Array;
}

const slot = (key: number) => Math.imul(key, 0x9e3779b1) >>> 16;
// Seven bits per ASCII character keep the keys small integers (fast Map keys).
const key4 = (l: string) =>
  (l.charCodeAt(0) << 21) | (l.charCodeAt(1) << 14) | (l.charCodeAt(2) << 7) | l.charCodeAt(3);

/**
 * The literals sharing one four-character key. Common English quads ("the ", " you") key dozens of
 * literals, so they are split again by their fifth character: a hit compares only the few that can match.
 */
export interface QuadBucket {
  /** Literals of exactly four characters (the key is the whole literal). */
  four: string[];
  /** The four-character key (seven bits per character). */
  key: number;
  /** Longer literals by the code of their fifth character. */
  byFifth: Map<number, string[]>;
}

function index(map: Map<number, QuadBucket>, key: number, l: string): void {
  let bucket = map.get(key);
  if (bucket === undefined) {
    bucket = { four: [], byFifth: new Map(), key };
    map.set(key, bucket);
  }
  if (l.length === 4) bucket.four.push(l);
  else {
    const fifth = l.charCodeAt(4);
    const list = bucket.byFifth.get(fifth);
    if (list === undefined) bucket.byFifth.set(fifth, [l]);
    else list.push(l);
  }
}

/** Build the prefilter for a list of pattern sources (index i gates pattern i). */
export function buildPrefilter(sources: readonly string[]): Prefilter {
  const literals = sources.map(requiredLiterals);
  const byQuad = new Map<number, QuadBucket>();
  const short: string[] = [];
  for (const l of new Set(literals.flatMap((x) => x ?? []))) {
    if (l.length >= 4) index(byQuad, key4(l), l);
    else if (l !== NON_ASCII) short.push(l);
  }
  const quadSlots: (QuadBucket[] | undefined)[] = new Array(1 << 16).fill(undefined);
  for (const [key, bucket] of byQuad) {
    const chain = quadSlots[slot(key)];
    if (chain === undefined) quadSlots[slot(key)] = [bucket];
    else chain.push(bucket);
  }
  const byLiteral = new Map<string, number[]>();
  const always = new Uint8Array(sources.length);
  literals.forEach((lits, i) => {
    if (lits === null) always[i] = 1;
    else for (const l of lits) byLiteral.set(l, [...(byLiteral.get(l) ?? []), i]);
  });
  return { byQuad, quadSlots, short, literals, byLiteral, always };
}

const WIDE = /[^\x00-\x7f]/;
const SPACES = /\s+/g;

function scan(lower: string, slots: readonly (QuadBucket[] | undefined)[], found: Set<string>): void {
  let key = 0;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    key = ((key << 7) | (c & 0x7f)) & 0xfffffff;
    if (i < 3 || c > 0x7f) continue;
    const chain = slots[slot(key)];
    if (chain === undefined) continue;
    for (const bucket of chain) {
      if (bucket.key !== key) continue;
      // The key keeps seven bits per character, so a wider character before this one could alias: compare.
      const at = i - 3;
      for (const l of bucket.four) if (lower.startsWith(l, at)) found.add(l);
      const longer = bucket.byFifth.get(lower.charCodeAt(i + 1));
      if (longer !== undefined) for (const l of longer) if (lower.startsWith(l, at)) found.add(l);
    }
  }
}

/**
 * The literals present in a text (lowercased, whitespace runs folded to one space): at each position the
 * literals starting with the four characters there are compared in place, through a rolling key
 * (literals are ASCII, so a key with a wider character matches none), the short ones with includes().
 */
export function presentLiterals(filter: Prefilter, text: string): Set<string> {
  const found = new Set<string>();
  // ſ and the Kelvin sign fold to ASCII under case-insensitive Unicode matching; toLowerCase maps only K.
  let lower = text.toLowerCase().replace(SPACES, ' ');
  if (WIDE.test(lower)) {
    found.add(NON_ASCII);
    lower = lower.replace(/ſ/g, 's');
  }
  for (const l of filter.short) if (lower.includes(l)) found.add(l);
  scan(lower, filter.quadSlots, found);
  return found;
}

/** Per pattern, 1 when it can match the text (one of its literals occurs, or it always runs), else 0. */
export function activePatterns(filter: Prefilter, text: string): Uint8Array {
  const active = filter.always.slice();
  for (const l of presentLiterals(filter, text)) for (const i of filter.byLiteral.get(l) ?? []) active[i] = 1;
  return active;
}

/** Whether pattern `index` can match a text whose present literals are `found`. */
export function mayMatch(filter: Prefilter, index: number, found: ReadonlySet<string>): boolean {
  const lits = filter.literals[index];
  return lits === null || lits === undefined || lits.some((l) => found.has(l));
}
