import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

// Layering invariants (STYLE.md §13): the core is pure; I/O lives in shells. In modules that have both,
// shell files sit in an `io/` folder. Only src/action imports @actions/*.
const root = join(import.meta.dirname, '..', 'src');
const PURE_MODULES = [
  'lockfile',
  'diff',
  'report',
  'policy',
  'proxy',
  'snapshot',
  'sandbox',
  'sign',
  'shared',
];
const FORBIDDEN_IN_PURE = [
  /^node:(fs|fs\/promises|child_process|net|http|https|os|dgram|worker_threads|readline)$/,
  /^(fs|child_process|net|http|https|os)$/,
  /^@modelcontextprotocol\/sdk\/(client|server)\//,
  /^@actions\//,
  /^sigstore$/,
];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g))
    found.push(m[1] as string);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1] as string);
  return found;
}

const files = walk(root).map((path) => ({ path, rel: relative(root, path).split(sep).join('/') }));

describe('architecture', () => {
  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  for (const { path, rel } of files) {
    const [module] = rel.split('/');
    const isShell = rel.split('/').includes('io');
    if (!PURE_MODULES.includes(module as string) || isShell) continue;
    it(`${rel} is pure (no I/O imports, no imports from io/ shells)`, () => {
      const bad = importsOf(path).filter(
        (spec) => FORBIDDEN_IN_PURE.some((re) => re.test(spec)) || /(^|\/)io\//.test(spec),
      );
      expect(bad).toEqual([]);
    });
  }

  it('only src/action imports @actions/*', () => {
    const offenders = files
      .filter(({ rel }) => !rel.startsWith('action/'))
      .filter(({ path }) => importsOf(path).some((spec) => spec.startsWith('@actions/')))
      .map(({ rel }) => rel);
    expect(offenders).toEqual([]);
  });

  it('no core module imports the cli or the action', () => {
    const offenders = files
      .filter(({ rel }) => !rel.startsWith('cli/') && !rel.startsWith('action/'))
      .filter(({ path }) => importsOf(path).some((spec) => /\/(cli|action)\//.test(spec)))
      .map(({ rel }) => rel);
    expect(offenders).toEqual([]);
  });
});
