import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
