import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Client as V2Client } from '@modelcontextprotocol/client';
import { StdioClientTransport as V2StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { runLock } from '../src/engine/lock.js';
import { CLIENT_DECLARATION } from '../src/snapshot/normalize.js';
import type { ServerSpec } from '../src/snapshot/types.js';
import type { BenchResult } from './types.js';

// Issue 2's figure: the time to lock server-everything (launched as MCP clients launch it, via npx, from the
// local install) next to a bare SDK client that spawns the same command, connects, lists the same four
// things (following cursors) and closes, in the same run. Iterations alternate so drift in machine load
// hits both; medians reported.
const REPO = join(import.meta.dirname, '..');
const COMMAND = 'npx';
const ARGS = ['-y', '@modelcontextprotocol/server-everything'];
const ITERATIONS = Number(process.env.BENCH_SNAPSHOT_ITERATIONS ?? 7);

/** Resolves with the entry count when the last list reply arrived; teardown is not counted for the baseline. */
async function bareClient(): Promise<{ count: number; teardown: Promise<void> }> {
  const client = new Client(
    { name: 'bench', version: '0' },
    { capabilities: CLIENT_DECLARATION.capabilities },
  );
  client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [] }));
  const transport = new StdioClientTransport({ command: COMMAND, args: ARGS, cwd: REPO, stderr: 'ignore' });
  await client.connect(transport);
  let count = 0;
  for (let cursor: string | undefined, first = true; first || cursor; first = false) {
    const r = await client.listTools(cursor ? { cursor } : {});
    count += r.tools.length;
    cursor = r.nextCursor;
  }
  for (let cursor: string | undefined, first = true; first || cursor; first = false) {
    const r = await client.listPrompts(cursor ? { cursor } : {});
    count += r.prompts.length;
    cursor = r.nextCursor;
  }
  for (let cursor: string | undefined, first = true; first || cursor; first = false) {
    const r = await client.listResources(cursor ? { cursor } : {});
    count += r.resources.length;
    cursor = r.nextCursor;
  }
  for (let cursor: string | undefined, first = true; first || cursor; first = false) {
    const r = await client.listResourceTemplates(cursor ? { cursor } : {});
    count += r.resourceTemplates.length;
    cursor = r.nextCursor;
  }
  // Teardown is left out of the baseline (the SDK's close waits up to 2 s + 2 s for npx to exit); capseal's
  // figure includes killing the process group and removing its temp dirs, so the ratio is conservative.
  return { count, teardown: client.close() };
}

async function capsealLock(): Promise<{ count: number; teardown: Promise<void> }> {
  const spec: ServerSpec = {
    name: 'everything',
    transport: 'stdio',
    command: COMMAND,
    args: ARGS,
    baseDir: REPO,
  };
  const { lock } = await runLock([spec]);
  const e = lock.servers.everything;
  if (e === undefined) throw new Error('no entry');
  const count = [e.tools, e.prompts, e.resources, e.resourceTemplates].reduce(
    (n, r) => n + Object.keys(r).length,
    0,
  );
  // runLock has already killed the process group and removed the temp dirs: capseal's figure includes them.
  return { count, teardown: Promise.resolve() };
}

/** Time fn up to its result; then wait for its teardown (untimed) so it cannot slow the next measurement. */
async function time(
  fn: () => Promise<{ count: number; teardown: Promise<void> }>,
): Promise<{ ms: number; count: number }> {
  const start = performance.now();
  const { count, teardown } = await fn();
  const ms = performance.now() - start;
  await teardown;
  return { ms, count };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

// Issue 11's figures. (1) Locking one dual-generation server (fixtures/servers/v2-dual.mjs: capseal reads both
// generations, the 2025 one on a second process started with the server/discover probe when a CPU is free
// for it) next to a bare SDK v2 client pinned to 2026-07-28 that spawns it, discovers (connect), lists the
// four things (following cursors) and closes. (2) Locking a four-server config next to the slowest of the
// four locked alone, in the same run. Server start-up is CPU-bound (one node start keeps more than one core
// busy for a moment), so on a machine with fewer cores than processes the config's floor is its summed
// start-up CPU over the cores, not the slowest server: the note gives that floor, measured in the same run.
const V2_ARGS = (name: string) => [join(REPO, `fixtures/servers/v2-${name}.mjs`)];
const FOUR = ['dual', 'modern-only', 'legacy-only', 'icons-tasks'] as const;
const v2Spec = (name: string): ServerSpec => ({
  name,
  transport: 'stdio',
  command: process.execPath,
  args: V2_ARGS(name),
  baseDir: REPO,
});

/** CPU time (ms) of this process's reaped children, from /proc (Linux); undefined elsewhere. */
function childCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/**
 * The CPU one fixture server takes to start (median of 5): started outside any sandbox with stdin at EOF,
 * so it loads everything and exits. Undefined where the kernel does not say.
 */
function startupCpuMs(): number | undefined {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const before = childCpuMs();
    spawnSync(process.execPath, V2_ARGS('dual'), { cwd: REPO, stdio: 'ignore' });
    const after = childCpuMs();
    if (before === undefined || after === undefined) return undefined;
    samples.push(after - before);
  }
  return median(samples);
}

async function bareV2Client(): Promise<{ count: number; teardown: Promise<void> }> {
  const client = new V2Client(
    { name: 'bench', version: '0' },
    { capabilities: CLIENT_DECLARATION.capabilities, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  const transport = new V2StdioClientTransport({
    command: process.execPath,
    args: V2_ARGS('dual'),
    cwd: REPO,
    stderr: 'ignore',
  });
  await client.connect(transport);
  // The auto-aggregating list calls follow nextCursor themselves.
  const counts = await Promise.all([
    client.listTools().then((r) => r.tools.length),
    client.listPrompts().then((r) => r.prompts.length),
    client.listResources().then((r) => r.resources.length),
    client.listResourceTemplates().then((r) => r.resourceTemplates.length),
  ]);
  return { count: counts.reduce((a, b) => a + b, 0), teardown: client.close() };
}

async function lockSpecs(specs: ServerSpec[]): Promise<{ count: number; teardown: Promise<void> }> {
  const { lock } = await runLock(specs);
  let count = 0;
  for (const e of Object.values(lock.servers)) {
    count += [e.tools, e.prompts, e.resources, e.resourceTemplates].reduce(
      (n, r) => n + Object.keys(r).length,
      0,
    );
  }
  return { count, teardown: Promise.resolve() };
}

async function runGenerations(): Promise<BenchResult[]> {
  const dual = () => lockSpecs([v2Spec('dual')]);
  await time(bareV2Client);
  await time(dual);
  const ours: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    ours.push((await time(dual)).ms);
    bare.push((await time(bareV2Client)).ms);
  }
  const singles = new Map<string, number[]>(FOUR.map((n) => [n, []]));
  const together: number[] = [];
  await time(() => lockSpecs(FOUR.map(v2Spec)));
  for (let i = 0; i < ITERATIONS; i++) {
    together.push((await time(() => lockSpecs(FOUR.map(v2Spec)))).ms);
    for (const name of FOUR) singles.get(name)?.push((await time(() => lockSpecs([v2Spec(name)]))).ms);
  }
  const startup = startupCpuMs();
  // 1 process for the 2025-only server, 2 for each server that answers server/discover.
  const processes = 1 + 2 * (FOUR.length - 1);
  const cpus = availableParallelism();
  const floor =
    startup === undefined
      ? ''
      : `; CPU floor ${processes} starts × ${startup.toFixed(0)} ms CPU / ${cpus} CPUs = ${((processes * startup) / cpus).toFixed(0)} ms`;
  const slowest = Math.max(...[...singles.values()].map(median));
  const slowestName = [...singles].find(([, v]) => median(v) === slowest)?.[0] ?? '';
  const value = median(ours);
  const baseline = median(bare);
  return [
    {
      name: 'lock one dual-generation server (v2-dual, stdio)',
      unit: 'ms',
      value,
      baselineName: 'bare SDK v2 client pinned 2026-07-28: spawn, discover, list all',
      baseline,
      ratio: value / baseline,
      target: '≤ 1.3×',
      note: `median of ${ITERATIONS}; capseal reads both generations (the 2025 one on a second process, started with the discover probe when a CPU is free)`,
    },
    {
      name: 'lock a four-server config (v2 fixtures, stdio)',
      unit: 'ms',
      value: median(together),
      baselineName: `slowest single lock (${slowestName})`,
      baseline: slowest,
      ratio: median(together) / slowest,
      target: '≤ 1.5×',
      note: `median of ${ITERATIONS}; pool of ${Math.min(FOUR.length, availableParallelism())} (the default: CPU count) on ${availableParallelism()} CPUs; ${processes} processes (1 for the 2025-only server, 2 for each that answers server/discover)${floor}`,
    },
  ];
}

export async function run(): Promise<BenchResult[]> {
  return [...(await runEverything()), ...(await runGenerations())];
}

async function runEverything(): Promise<BenchResult[]> {
  // One warm-up of each (module caches, npx's first resolution).
  await time(bareClient);
  await time(capsealLock);
  const ours: number[] = [];
  const bare: number[] = [];
  let counts = '';
  for (let i = 0; i < ITERATIONS; i++) {
    const a = await time(capsealLock);
    const b = await time(bareClient);
    ours.push(a.ms);
    bare.push(b.ms);
    counts = `${a.count} entries locked, ${b.count} listed`;
  }
  const value = median(ours);
  const baseline = median(bare);
  return [
    {
      name: 'lock server-everything (npx, stdio)',
      unit: 'ms',
      value,
      baselineName: 'bare SDK client: spawn, connect, list all',
      baseline,
      ratio: value / baseline,
      target: '≤ 1.2×',
      note: `median of ${ITERATIONS}; capseal in its default sandbox (auto); ${counts}`,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run()) process.stdout.write(`${JSON.stringify(r)}\n`);
}
