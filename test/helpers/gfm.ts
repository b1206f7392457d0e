import { marked, type Tokens } from 'marked';

/**
 * A real GFM renderer (marked, GFM tables on) for tests of what people read: table cells exactly as GitHub
 * splits them (on `|` even inside backticks), and the HTML each cell becomes.
 */

/** Every table in the Markdown, each row as the cells' Markdown text, header first. */
export function tablesOf(markdown: string): { header: string[]; rows: string[][] }[] {
  const tables: { header: string[]; rows: string[][] }[] = [];
  marked.walkTokens(marked.lexer(markdown, { gfm: true }), (token) => {
    if (token.type !== 'table') return;
    const table = token as Tokens.Table;
    tables.push({
      header: table.header.map((c) => c.text),
      rows: table.rows.map((r) => r.map((c) => c.text)),
    });
  });
  return tables;
}

/** The HTML of a whole document, or of inline Markdown (one cell). */
export function toHtml(markdown: string): string {
  return marked.parse(markdown, { gfm: true, async: false });
}

export function inlineHtml(markdown: string): string {
  return marked.parseInline(markdown, { gfm: true, async: false });
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', '#39': "'", '#32': ' ' };

/** What a reader sees of some HTML: tags dropped, entities decoded, word joiners (our defusing) removed. */
export function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&(lt|gt|amp|quot|#39|#32);/g, (_, name: string) => ENTITIES[name] ?? '')
    .replace(/\u2060/g, '');
}
