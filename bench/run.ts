import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from './types.js';

// `npm run bench`: runs every area's bench in one process on one machine and prints each figure next to
// the baseline measured in the same run. Ratios only; nothing here asserts a timing.
const AREAS = ['snapshot', 'sandbox', 'diff', 'policy', 'proxy', 'gateway', 'action'] as const;
const only = process.argv.slice(2);

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

// Every temp file the benches, the proxies and the servers they start create lands under one root (they all
// read TMPDIR), removed at the end.
const tmpRoot = mkdtempSync(join(tmpdir(), 'capseal-bench-'));
process.env.TMPDIR = tmpRoot;
process.on('exit', () => rmSync(tmpRoot, { recursive: true, force: true }));

const all: (BenchResult & { area: string })[] = [];
for (const area of AREAS) {
  if (only.length > 0 && !only.includes(area)) continue;
  const file = join(import.meta.dirname, `${area}.ts`);
  if (!existsSync(file)) {
    process.stderr.write(`bench: ${area}: no bench/${area}.ts yet\n`);
    continue;
  }
  process.stderr.write(`bench: ${area}…\n`);
  const mod = (await import(file)) as { run: () => Promise<BenchResult[]> };
  try {
    for (const r of await mod.run()) all.push({ ...r, area });
  } catch (error) {
    process.stderr.write(
      `bench: ${area} failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}

const rows = all.map((r) => [
  r.area,
  r.name,
  `${fmt(r.value)} ${r.unit}`,
  `${r.baselineName}: ${fmt(r.baseline)} ${r.unit}`,
  `${r.ratio.toFixed(2)}×`,
  r.target ?? '',
  r.note ?? '',
]);
const header = ['area', 'figure', 'capseal', 'baseline (same run)', 'ratio', 'target', 'note'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
for (const row of rows) process.stdout.write(`${line(row)}\n`);

mkdirSync(join(import.meta.dirname, '..', '.bench'), { recursive: true });
writeFileSync(
  join(import.meta.dirname, '..', '.bench', 'results.json'),
  `${JSON.stringify({ node: process.version, results: all }, null, 2)}\n`,
);
