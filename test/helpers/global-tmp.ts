import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest globalSetup: one temp root per test run. Workers, the CLI processes the tests start and the servers
 * those start all inherit TMPDIR, so every mkdtemp lands under it and the whole tree is removed when the run
 * ends, whatever individual tests forgot to clean up.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'capseal-tests-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
