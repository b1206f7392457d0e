import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..', '..');

/**
 * Scenarios the proxy does not hold yet, each with the reason (see the report of issue 13): `it.fails`
 * keeps them visible, and turns red once the proxy holds them, so the entry is then removed here.
 */
/** Scenarios the proxy is known not to hold yet, with the reason (empty: every scenario must hold). */
const KNOWN_GAPS: Record<string, string> = {};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  rows: Map<string, string>;
}

let run: Run;

beforeAll(async () => {
  run = await new Promise<Run>((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'scripts', 'adversarial.mjs')], { cwd: REPO });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.once('exit', (code) => {
      const rows = new Map<string, string>();
      for (const m of stdout.matchAll(/^(\S+)\s+.*\s(held|NOT HELD)$/gm))
        rows.set(m[1] as string, m[2] as string);
      resolve({ code, stdout, stderr, rows });
    });
  });
}, 240_000);

describe('npm run adversarial', () => {
  it('runs every scenario class and prints the totals', () => {
    expect(run.stdout, run.stderr).toMatch(/^\d+ held, \d+ not held$/m);
    expect(run.rows.size).toBeGreaterThanOrEqual(18);
    for (const id of ['driftlab-add-tool', 'homoglyph-swap', 'spoofbox-duplicate', 'resource-trap-drift'])
      expect(run.rows.has(id), id).toBe(true);
  });

  it('holds every scenario outside the known gaps', () => {
    const notHeld = [...run.rows].filter(([id, r]) => r !== 'held' && !(id in KNOWN_GAPS));
    expect(notHeld, run.stdout).toEqual([]);
  });

  for (const [id, reason] of Object.entries(KNOWN_GAPS))
    it.fails(`holds ${id} (known gap: ${reason})`, () => {
      expect(run.rows.get(id), run.stdout).toBe('held');
    });
});
