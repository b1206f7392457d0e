import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// dist/ is committed (the Action runs from it). Rebuild into a temp dir and require byte equality, so a
// source change without a rebuild fails the tests, not just the check-dist workflow.
const repo = join(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'capseal-dist-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('dist/', () => {
  it('is what `npm run build` produces from the current sources', () => {
    execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs'), '--out', out], { stdio: 'pipe' });
    const built = readdirSync(out, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name).slice(out.length + 1))
      .sort();
    const committed = readdirSync(join(repo, 'dist'), { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name).slice(join(repo, 'dist').length + 1))
      .sort();
    expect(committed).toEqual(built);
    const stale = built.filter(
      (f) => !readFileSync(join(out, f)).equals(readFileSync(join(repo, 'dist', f))),
    );
    expect(stale, 'dist/ is stale: run `npm run build` and commit dist/').toEqual([]);
  }, 180_000);

  it('ships source maps that Node applies, so an internal error names its source line', () => {
    // Run the built entry shim (it enables source maps before loading the bundle), then ask Node where the
    // line that prints internal errors comes from.
    const probe = `
      import { readFileSync } from 'node:fs';
      import { findSourceMap } from 'node:module';
      process.argv.splice(1, Infinity, 'cli.js', '--version');
      await import(${JSON.stringify(pathToFileURL(join(out, 'cli.js')).href)});
      const bundle = ${JSON.stringify(join(out, 'cli', 'index.js'))};
      const lines = readFileSync(bundle, 'utf8').split('\\n');
      const line = lines.findIndex((l) => l.includes('internal error (please report this)'));
      const entry = findSourceMap(${JSON.stringify(pathToFileURL(join(out, 'cli', 'index.js')).href)})?.findEntry(line, 0);
      console.log(JSON.stringify(entry));`;
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
    const entry = JSON.parse(stdout.trim().split('\n').pop() as string);
    const source = readFileSync(join(repo, 'src', 'shared', 'errors.ts'), 'utf8').split('\n');
    expect(entry.originalSource).toMatch(/\/src\/shared\/errors\.ts$/);
    expect(entry.originalLine).toBe(
      source.findIndex((l) => l.includes('internal error (please report this)')),
    );
  }, 60_000);
});
