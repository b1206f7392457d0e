import { describe, expect, it } from 'vitest';
import { capText, codeBlock, codeSpan, escapeMarkdown, revealControls } from '../../src/report/index.js';
import { inlineHtml, tablesOf, toHtml, visibleText } from '../helpers/gfm.js';
import { HOSTILE_NAMES } from '../helpers/hostile-text.js';

describe('escaping server-controlled text', () => {
  it('reveals ANSI, bidi, zero-width characters and line separators but keeps newlines', () => {
    expect(revealControls('a\u001b[31m\u202eb\u200b\u2028\nc')).toBe(
      'a<U+001B>[31m<U+202E>b<U+200B><U+2028>\nc',
    );
  });

  it('escapes HTML, Markdown punctuation and mentions', () => {
    expect(escapeMarkdown('<b>*x*</b> | @me')).toBe('&lt;b&gt;\\*x\\*&lt;/b&gt; \\| @\u2060me');
  });

  it('picks fences longer than any backtick run', () => {
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeBlock('```\nx', 'diff')).toBe('````diff\n```\nx\n````');
  });

  it('caps every string with a visible count of what was cut', () => {
    expect(capText('x'.repeat(70_000), 10)).toBe(`${'x'.repeat(10)}…(69990 more chars)`);
    expect(codeSpan('t'.repeat(70_000))).toContain('…(69800 more chars)');
    expect(escapeMarkdown('m'.repeat(1_000)).length).toBeLessThan(600);
    expect(codeBlock('b'.repeat(10_000))).toContain('…(4000 more chars)');
    // Never half a surrogate pair.
    expect(capText('😀😀', 3)).toBe('😀…(2 more chars)');
  });

  describe('in a GFM table, rendered by a real renderer cell by cell', () => {
    it.each(HOSTILE_NAMES)('keeps %j in its cell, as text', (name) => {
      const md = `| code | text | after |\n| --- | --- | --- |\n| ${codeSpan(name)} | ${escapeMarkdown(name)} | end |\n`;
      const [table] = tablesOf(md);
      expect(table?.rows).toHaveLength(1);
      const row = table?.rows[0] as string[];
      expect(row).toHaveLength(3);
      expect(row[2]).toBe('end');
      const shown = revealControls(name).replace(/\r?\n/g, ' ');
      for (const cell of row.slice(0, 2)) {
        const html = inlineHtml(cell);
        expect(html).not.toMatch(/<(img|a|script|details|h\d|ul|li|input|em|strong|del)\b/);
        expect(visibleText(html)).toBe(shown);
      }
    });
  });

  it('defuses mentions, references and autolinks in prose', () => {
    const html = toHtml(
      escapeMarkdown('@octocat #12 GH-3 https://evil.example www.evil.example a@b.example'),
    );
    expect(html).not.toContain('<a ');
    expect(html).toMatch(/@\u2060octocat/);
    expect(html).toMatch(/#\u206012/);
    expect(html).toMatch(/GH\u2060-3/);
  });

  it('keeps a code block closed whatever its content', () => {
    const block = codeBlock('````\n# ✅ capseal check: pass\n````');
    const html = toHtml(`${block}\n\nafter`);
    expect(html).not.toContain('<h1');
    expect(html).toContain('<p>after</p>');
  });
});
