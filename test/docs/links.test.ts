import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import GithubSlugger from 'github-slugger';
import { marked, type Token } from 'marked';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';

// Every relative link and anchor in the documentation resolves, the way GitHub renders it: a page moved or
// a heading renamed breaks this test, not a reader's click.
const PAGES = [
  'README.md',
  'CONTRIBUTING.md',
  'SECURITY.md',
  'CHANGELOG.md',
  'policies/README.md',
  ...readdirSync(join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
].filter((page) => existsSync(join(REPO, page)));

/** The text GitHub slugs a heading from: its inline content without markup. */
function plain(tokens: readonly Token[]): string {
  return tokens
    .map((t) => ('tokens' in t && t.tokens ? plain(t.tokens) : 'text' in t ? String(t.text) : ''))
    .join('');
}

function parse(page: string): { anchors: Set<string>; links: string[] } {
  const tokens = marked.lexer(readFileSync(join(REPO, page), 'utf8'));
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  const links: string[] = [];
  marked.walkTokens(tokens, (t) => {
    if (t.type === 'heading') anchors.add(slugger.slug(plain(t.tokens ?? [])));
    if (t.type === 'link' || t.type === 'image') links.push(t.href);
  });
  return { anchors, links };
}

const parsed = new Map(PAGES.map((page) => [page, parse(page)]));

function anchorsOf(page: string): Set<string> {
  let found = parsed.get(page);
  if (!found) {
    found = parse(page);
    parsed.set(page, found);
  }
  return found.anchors;
}

/** Why `href` (in `page`) does not resolve, or undefined when it does; absolute URLs are not checked. */
function brokenReason(page: string, href: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return undefined;
  const [path, anchor] = href.split('#', 2) as [string, string | undefined];
  const target = path === '' ? page : relative(REPO, resolve(REPO, dirname(page), decodeURI(path)));
  if (target.startsWith('..')) return 'points outside the repository';
  if (!existsSync(join(REPO, target))) return `${target} does not exist`;
  if (anchor === undefined || anchor === '') return undefined;
  if (statSync(join(REPO, target)).isDirectory() || !target.endsWith('.md')) return 'anchor on a non-page';
  return anchorsOf(target).has(anchor) ? undefined : `${target} has no heading #${anchor}`;
}

describe('the documentation', () => {
  it.each(PAGES)('%s: every relative link and anchor resolves', (page) => {
    const broken = (parsed.get(page)?.links ?? [])
      .map((href) => ({ href, reason: brokenReason(page, href) }))
      .filter((l) => l.reason !== undefined)
      .map((l) => `${l.href}: ${l.reason}`);
    expect(broken).toEqual([]);
  });

  it('has a README of at most 20 KB that links every page in docs/', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(20 * 1024);
    const index = parsed.get('docs/README.md')?.links ?? [];
    const pages = PAGES.filter((p) => p.startsWith('docs/') && p !== 'docs/README.md');
    const unlisted = pages.filter(
      (p) => !index.some((href) => href.split('#')[0] === p.slice('docs/'.length)),
    );
    expect(unlisted, 'pages missing from the table in docs/README.md').toEqual([]);
  });
});
