/**
 * Neutralizing server-controlled text before it reaches a terminal or a PR comment. Tool names,
 * descriptions and instructions come from the server under review: they may carry ANSI escapes, bidi
 * overrides or Markdown/HTML meant to hide or fake content.
 */

const CONTROL =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\u{e0000}-\u{e007f}]/gu;

function visible(ch: string): string {
  return `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`;
}

/** Control, bidi and invisible characters shown as `\u{…}` so they can be seen, not obeyed. Keeps newlines. */
export function revealControls(text: string): string {
  return text.replace(CONTROL, visible);
}

/** Text safe as Markdown inline content: HTML and Markdown punctuation escaped, @mentions defused. */
export function escapeMarkdown(text: string): string {
  return revealControls(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~#!])/g, '\\$1')
    .replace(/@/g, '@\u2060')
    .replace(/\r?\n/g, ' ');
}

/** An inline code span that survives backticks in the content. */
export function codeSpan(text: string): string {
  const clean = revealControls(text).replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** A fenced code block whose fence is longer than any backtick run inside. */
export function codeBlock(text: string, lang = ''): string {
  const clean = revealControls(text);
  const longest = Math.max(2, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${clean}\n${fence}`;
}
