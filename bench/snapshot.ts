import { join } from 'node:path';
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

export async function run(): Promise<BenchResult[]> {
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
      note: `median of ${ITERATIONS}; ${counts}`,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run()) process.stdout.write(`${JSON.stringify(r)}\n`);
}
