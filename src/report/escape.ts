/**
 * Neutralizing server- and PR-controlled text before it reaches a terminal, a log or a PR comment. Tool
 * names, descriptions, versions, URIs, config server names and policy messages come from the server or the
 * pull request under review: they may carry ANSI escapes, bidi overrides, line separators or Markdown/HTML
 * meant to hide or fake content. Every renderer goes through the functions here: `escapeMarkdown` for text
 * (prose and table cells alike), `codeSpan`/`codeBlock` for code; nothing builds Markdown from raw text.
 */

const CONTROL =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\u{e0000}-\u{e007f}]/gu;

/** Longest untrusted text shown inline (a message, a detail). */
export const TEXT_CAP = 500;
/** Longest untrusted name shown as code (a tool, server, path). */
export const CODE_CAP = 200;
/** Longest untrusted text shown in a code block (a description, a schema). */
export const BLOCK_CAP = 6_000;

/** Word joiner: placed between characters GitHub would otherwise link (@mention, #123, URLs). */
const JOIN = '\u2060';

function visible(ch: string): string {
  return `<U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}>`;
}

/**
 * Control, bidi, line-separator and invisible characters shown as `<U+…>` so they can be seen, not obeyed.
 * Keeps `\n` and tab.
 */
export function revealControls(text: string): string {
  return text.replace(CONTROL, visible);
}

/**
 * At most `max` characters of untrusted text, with a visible `…(N more chars)` when cut (never inside a
 * surrogate pair). Every untrusted string is capped before it is shown.
 */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…(${text.length - cut} more chars)`;
}

/** Inline text: capped, controls revealed, one line. */
function oneLine(text: string, max: number): string {
  return revealControls(capText(text, max)).replace(/\r\n|\n/g, ' ');
}

/** Break what GitHub links after rendering: @mentions, #123 / GH-123 references, bare URLs. */
function defuseLinks(text: string): string {
  return text
    .replace(/@/g, `@${JOIN}`)
    .replace(/#(?=\d)/g, `#${JOIN}`)
    .replace(/\b(GH)-(?=\d)/gi, `$1${JOIN}-`)
    .replace(/:\/\//g, `:${JOIN}//`)
    .replace(/\b(www)\./gi, `$1${JOIN}.`);
}

/** ASCII punctuation with a meaning in GFM (inline or at a line start), backslash-escaped. */
function escapePunctuation(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_{}[\]()#+\-.!|~=^])/g, '\\$1')
    .replace(/^[ \t]+/, (ws) => '&#32;'.repeat(ws.length));
}

/**
 * Text safe anywhere inline in GFM, table cells included: HTML and Markdown punctuation escaped (`|` too),
 * mentions, issue references and autolinks defused, on one line, capped at `max` with a visible note.
 */
export function escapeMarkdown(text: string, max = TEXT_CAP): string {
  return escapePunctuation(defuseLinks(oneLine(text, max)));
}

/**
 * Untrusted text as inline code, safe in prose and in table cells. GFM splits table cells on `|` even
 * inside backticks, so text with a `|` becomes `<code>` around escaped text instead of a backtick span;
 * otherwise the backtick fence is longer than any backtick run inside.
 */
export function codeSpan(text: string, max = CODE_CAP): string {
  const clean = oneLine(text, max);
  if (clean.includes('|')) return `<code>${escapePunctuation(defuseLinks(clean))}</code>`;
  const longest = Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') || clean.trim() === '' ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** A fenced code block whose fence is longer than any backtick run inside; capped at `max` characters. */
export function codeBlock(text: string, lang = '', max = BLOCK_CAP): string {
  const clean = revealControls(capText(text, max));
  const longest = Math.max(2, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${clean}\n${fence}`;
}
