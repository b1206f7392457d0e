import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

// Layering invariants (STYLE.md §13): the core is pure; I/O lives in shells. In modules that have both,
// shell files sit in an `io/` folder. Only src/action imports @actions/*. The shells (cli, action) reach
// the use cases through src/engine; the Action never imports the CLI; modules import each other without
// cycles.
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
/** Shell modules: engine (the use cases every face shares), and the faces that call it (cli, action, gateway). */
const SHELL_MODULES = ['engine', 'cli', 'action', 'gateway'];
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

/** `import … from 'x'`, `export … from 'x'` and the side-effect form `import 'x'` (it runs x all the same). */
const STATIC_IMPORT = /(?:^|\n)\s*(?:(?:import|export)\s[^'"]*?from\s+|import\s+)['"]([^'"]+)['"]/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = staticImportsOf(file);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1] as string);
  return found;
}

function staticImportsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(STATIC_IMPORT)].map((m) => m[1] as string);
}

const files = walk(root).map((path) => ({ path, rel: relative(root, path).split(sep).join('/') }));

/** The module (first folder under src/) a relative import lands in, or undefined outside src/. */
function targetModule(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const rel = relative(root, resolve(dirname(from), spec));
  if (rel.startsWith('..')) return undefined;
  return rel.split(sep)[0];
}

/** Module → the other modules it imports (relative imports only; static, dynamic and type imports). */
function moduleGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const { path, rel } of files) {
    const from = rel.split('/')[0] as string;
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const spec of importsOf(path)) {
      const to = targetModule(path, spec);
      if (to !== undefined && to !== from && !to.endsWith('.ts')) edges.add(to);
    }
  }
  return graph;
}

/** Every cycle through the module graph, each as `a → b → … → a` starting from its smallest module. */
function findCycles(graph: Map<string, Set<string>>): string[] {
  const cycles = new Set<string>();
  const visit = (node: string, path: string[]) => {
    for (const next of graph.get(node) ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) {
        const loop = path.slice(at);
        const start = loop.indexOf([...loop].sort()[0] as string);
        const rotated = [...loop.slice(start), ...loop.slice(0, start)];
        cycles.add([...rotated, rotated[0]].join(' → '));
      } else visit(next, [...path, next]);
    }
  };
  for (const node of graph.keys()) visit(node, [node]);
  return [...cycles].sort();
}

/** Files of `module` importing any of `forbidden` modules, as `file → import`. */
function importsBetween(module: string, forbidden: readonly string[]): string[] {
  return files
    .filter(({ rel }) => rel.startsWith(`${module}/`))
    .flatMap(({ path, rel }) =>
      importsOf(path)
        .filter((spec) => forbidden.includes(targetModule(path, spec) ?? ''))
        .map((spec) => `${rel} → ${spec}`),
    );
}

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

  // Static imports only: a lazy `import()` of one shell file keeps start-up fast (the proxy's HTTP side).
  it('imports another module only through its barrel (index.ts, or io/index.ts for its shells)', () => {
    const offenders = files.flatMap(({ path, rel }) =>
      staticImportsOf(path)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) =>
          relative(root, resolve(dirname(path), spec))
            .split(sep)
            .join('/'),
        )
        .filter((target) => !target.startsWith('..') && target.split('/')[0] !== rel.split('/')[0])
        .filter((target) => !/^[^/]+\/(io\/)?index\.js$/.test(target))
        .map((target) => `${rel} → ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it('knows every module under src/ as pure or shell', () => {
    const modules = [...new Set(files.map(({ rel }) => rel.split('/')[0] as string))]
      .filter((m) => !m.endsWith('.ts'))
      .sort();
    expect(modules.filter((m) => !PURE_MODULES.includes(m) && !SHELL_MODULES.includes(m))).toEqual([]);
    expect(modules).toContain('engine');
  });

  it('src/engine imports neither the cli nor the action', () => {
    expect(importsBetween('engine', ['cli', 'action'])).toEqual([]);
  });

  it('src/action imports nothing from src/cli (shared use cases live in src/engine)', () => {
    expect(importsBetween('action', ['cli'])).toEqual([]);
  });

  it('src/cli imports nothing from src/action', () => {
    expect(importsBetween('cli', ['action'])).toEqual([]);
  });

  it('has no import cycles between modules', () => {
    const graph = moduleGraph();
    expect(graph.size).toBeGreaterThan(5);
    expect(findCycles(graph)).toEqual([]);
  });
});
