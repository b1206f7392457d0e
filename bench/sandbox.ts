import { join } from 'node:path';
import { runLock } from '../src/engine/lock.js';
import { probeSandbox } from '../src/sandbox/io/probe.js';
import type { SandboxMode } from '../src/sandbox/types.js';
import type { ServerSpec } from '../src/snapshot/types.js';
import type { BenchResult } from './types.js';

// Issue 14's figure: locking server-everything (npx, from the local install) in the sandbox (strict: bwrap
// or unshare, namespaces, the view, limits, network denied) next to the same lock with --sandbox off, in the
// same run. Iterations alternate so drift in machine load hits both; medians reported.
const REPO = join(import.meta.dirname, '..');
const ITERATIONS = Number(process.env.BENCH_SANDBOX_ITERATIONS ?? 7);
const SPEC: ServerSpec = {
  name: 'everything',
  transport: 'stdio',
  command: 'npx',
  args: ['-y', '@modelcontextprotocol/server-everything'],
  baseDir: REPO,
};

async function lockOnce(mode: SandboxMode): Promise<number> {
  const start = performance.now();
  const { lock } = await runLock([SPEC], { sandbox: { mode, network: 'denied' } });
  const ms = performance.now() - start;
  if (Object.keys(lock.servers.everything?.tools ?? {}).length === 0) throw new Error('no tools locked');
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export async function run(): Promise<BenchResult[]> {
  const support = await probeSandbox();
  if (support.backend === undefined) throw new Error(`no sandbox here: ${support.problems.join('; ')}`);
  // One warm-up of each (module caches, npx's first resolution, the one-time probe).
  await lockOnce('strict');
  await lockOnce('off');
  const sandboxed: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    sandboxed.push(await lockOnce('strict'));
    off.push(await lockOnce('off'));
  }
  const value = median(sandboxed);
  const baseline = median(off);
  return [
    {
      name: `lock server-everything in the sandbox (${support.backend}, network denied)`,
      unit: 'ms',
      value,
      baselineName: 'same lock, --sandbox off',
      baseline,
      ratio: value / baseline,
      target: '≤ 1.3×',
      note: `median of ${ITERATIONS}; process limit by ${support.processLimit}`,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run()) process.stdout.write(`${JSON.stringify(r)}\n`);
}
