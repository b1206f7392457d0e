import { describe, expect, it } from 'vitest';
import { codeBlock, codeSpan, escapeMarkdown, revealControls } from '../../src/report/index.js';

describe('escaping server-controlled text', () => {
  it('reveals ANSI, bidi and zero-width characters but keeps newlines', () => {
    expect(revealControls('a\u001b[31m\u202eb\u200b\nc')).toBe('a\\u{1b}[31m\\u{202e}b\\u{200b}\nc');
  });

  it('escapes HTML, Markdown punctuation and mentions', () => {
    expect(escapeMarkdown('<b>*x*</b> | @me')).toBe('&lt;b&gt;\\*x\\*&lt;/b&gt; \\| @\u2060me');
  });

  it('picks fences longer than any backtick run', () => {
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeBlock('```\nx', 'diff')).toBe('````diff\n```\nx\n````');
  });
});
