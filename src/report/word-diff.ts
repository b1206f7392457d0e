import type { DiffLine } from './line-diff.js';

/** The two sides of one changed line, each cut to the changed region and some context around it. */
export interface FocusedChange {
  before: string;
  after: string;
}

export interface FocusOptions {
  /** Characters of unchanged text kept on each side of the changed region (whole words). */
  context: number;
  /** Characters of the changed region shown per side; a longer region keeps its start and its end. */
  maxChanged: number;
}

const DEFAULTS: FocusOptions = { context: 60, maxChanged: 240 };

/** Words and the whitespace between them, so joining the tokens gives the text back exactly. */
function tokenize(text: string): string[] {
  return text.split(/(\s+)/).filter((t) => t !== '');
}

/** Whitespace made visible, for a change that is only whitespace (otherwise it could not be seen). */
function showSpace(text: string): string {
  return text.replace(/\n/g, '⏎').replace(/\t/g, '⇥').replace(/ /g, '·');
}

function cutMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const half = Math.floor(max / 2);
  return `${text.slice(0, half)} … (${text.length - 2 * half} more chars) … ${text.slice(-half)}`;
}

function leftContext(tokens: readonly string[], max: number): string {
  let out = '';
  for (let i = tokens.length - 1; i >= 0; i -= 1) {
    const next = (tokens[i] as string) + out;
    if (next.length > max && out !== '') return `…${out}`;
    if (next.length > max) return `…${next.slice(-max)}`;
    out = next;
  }
  return out;
}

function rightContext(tokens: readonly string[], max: number): string {
  let out = '';
  for (const token of tokens) {
    const next = out + token;
    if (next.length > max && out !== '') return `${out}…`;
    if (next.length > max) return `${next.slice(0, max)}…`;
    out = next;
  }
  return out;
}

/**
 * Where two versions of one line differ, as a word diff: the common words before and after the changed
 * region are cut to `context` characters, and the region itself is marked `[-removed-]` on the before side
 * and `{+added+}` on the after side (git's plain word-diff markers), so a change at the end of a
 * 2,000-character description shows as the words that changed, never as two lines that look the same.
 * A pure insertion or deletion marks only the side that has text. Deterministic and linear in the input.
 */
export function focusChange(
  before: string,
  after: string,
  options: Partial<FocusOptions> = {},
): FocusedChange {
  const { context, maxChanged } = { ...DEFAULTS, ...options };
  const a = tokenize(before);
  const b = tokenize(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let end = 0;
  while (
    end < a.length - start &&
    end < b.length - start &&
    a[a.length - 1 - end] === b[b.length - 1 - end]
  ) {
    end += 1;
  }
  const removed = a.slice(start, a.length - end).join('');
  const added = b.slice(start, b.length - end).join('');
  const whitespaceOnly = removed.trim() === '' && added.trim() === '';
  const show = (text: string) => cutMiddle(whitespaceOnly ? showSpace(text) : text, maxChanged);
  const left = leftContext(a.slice(0, start), context);
  const right = rightContext(a.slice(a.length - end), context);
  return {
    before: `${left}${removed === '' ? '' : `[-${show(removed)}-]`}${right}`,
    after: `${left}${added === '' ? '' : `{+${show(added)}+}`}${right}`,
  };
}

/**
 * A line diff with each long line that was replaced (a removed line right before an added one, either longer
 * than `max` characters) cut to its changed words by focusChange; every other line is kept as it is.
 */
export function focusLines(lines: readonly DiffLine[], max: number): DiffLine[] {
  const out = lines.map((l) => ({ ...l }));
  for (let i = 0; i + 1 < lines.length; i += 1) {
    const removed = lines[i] as DiffLine;
    const added = lines[i + 1] as DiffLine;
    if (removed.op !== '-' || added.op !== '+') continue;
    if (Math.max(removed.text.length, added.text.length) <= max) continue;
    const focused = focusChange(removed.text, added.text);
    out[i] = { op: '-', text: focused.before };
    out[i + 1] = { op: '+', text: focused.after };
  }
  return out;
}
