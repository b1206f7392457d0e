import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { serializeLockfile } from '../src/lockfile/index.js';
import { snapshotServer } from '../src/snapshot/io/snapshot.js';
import type { BenchResult } from './types.js';

// Round trips of tools/call on a trivial echo tool, three ways, in one run on one machine:
//   direct SDK client → server; through a bare line pass-through (bench/passthrough.mjs); through
//   `capseal proxy` (enforce, baseline pack). Plus a 1,000-tool tools/list and the proxy's RSS after 100k calls.
const REPO = join(import.meta.dirname, '..');
const ECHO = join(REPO, 'fixtures', 'servers', 'proxy-echo.mjs');
const PASS = join(REPO, 'bench', 'passthrough.mjs');
const FROM_SOURCE = ['--import', 'tsx', join(REPO, 'src', 'cli', 'bin.ts')];
const node = process.execPath;

const SEQUENTIAL = Number(process.env.BENCH_PROXY_CALLS ?? 3_000);
const PARALLEL_TOTAL = Number(process.env.BENCH_PROXY_PARALLEL ?? 40_000);
const IN_FLIGHT = 32;
const LISTS = 60;
const MEMORY_CALLS = Number(process.env.BENCH_PROXY_MEMORY_CALLS ?? 100_000);

/**
 * The proxy runs from a bundle, as users run dist/cli.js: CAPSEAL_CLI if given, else a fresh ncc bundle
 * of the current source under .bench/dist (so policies/ is found by walking up), else tsx.
 * Steady-state latency is the same either way; tsx only adds start-up and memory.
 */
async function proxyCli(): Promise<{ argv: string[]; how: string }> {
  if (process.env.CAPSEAL_CLI) return { argv: [process.env.CAPSEAL_CLI], how: process.env.CAPSEAL_CLI };
  try {
    // The same ncc bundle `npm run build` ships, built into .bench/ so dist/ is left alone.
    const out = join(REPO, '.bench', 'dist');
    execFileSync(process.execPath, [join(REPO, 'scripts', 'build.mjs'), '--out', out], { stdio: 'pipe' });
    return { argv: [join(out, 'cli.js')], how: 'ncc bundle (scripts/build.mjs)' };
  } catch {
    return { argv: FROM_SOURCE, how: 'tsx (bundle build failed)' };
  }
}

async function lockOf(name: string, args: string[]): Promise<string> {
  const entry = await snapshotServer({ name, transport: 'stdio', command: node, args, baseDir: REPO });
  const dir = await mkdtemp(join(tmpdir(), 'capseal-bench-proxy-'));
  const path = join(dir, 'mcp-lock.json');
  await writeFile(path, serializeLockfile({ lockfileVersion: 1, servers: { [name]: entry } }));
  return path;
}

async function connect(command: string[]): Promise<{ client: Client; transport: StdioClientTransport }> {
  const [cmd, ...args] = command as [string, ...string[]];
  const transport = new StdioClientTransport({ command: cmd, args, cwd: REPO, stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  await client.listTools();
  return { client, transport };
}

const call = (client: Client, i: number) =>
  client.callTool({ name: 'echo', arguments: { text: `call ${i}` } });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function throughput(client: Client, total: number): Promise<number> {
  let next = 0;
  const t = performance.now();
  const worker = async () => {
    while (next < total) await call(client, next++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return total / ((performance.now() - t) / 1000);
}

async function p50Lists(client: Client, n: number): Promise<number> {
  for (let i = 0; i < 5; i++) await client.listTools();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await client.listTools();
    times.push(performance.now() - t);
  }
  return median(times);
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux). */
function cpuMs(pid: number | null | undefined): number {
  if (!pid) return Number.NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ (100)
}

/**
 * BENCH_PROXY_PIN=1 (Linux, taskset, ≥ 2 cores): the proxy (and the pass-through, alike) on a core of its
 * own, the client and the servers on another, as in production where the proxy does not share a core with
 * the host and the server. Every thread of each process is pinned (taskset -a).
 */
const PIN = process.env.BENCH_PROXY_PIN === '1';
function pinTree(pid: number | null | undefined, middle: string, rest: string): void {
  if (!PIN || !pid) return;
  execFileSync('taskset', ['-a', '-p', '-c', middle, String(pid)], { stdio: 'ignore' });
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    for (const child of children.split(/\s+/).filter(Boolean))
      execFileSync('taskset', ['-a', '-p', '-c', rest, child], { stdio: 'ignore' });
  }
}

function rssMB(pid: number | null | undefined): number {
  if (!pid) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

export async function run(): Promise<BenchResult[]> {
  const cli = await proxyCli();
  const CLI = cli.argv;
  const lock = await lockOf('echo', [ECHO]);
  const bigLock = await lockOf('echo-1000', [ECHO, '1000']);
  const proxy = (lockPath: string, server: string[]) => [
    node,
    ...CLI,
    'proxy',
    '--quiet',
    '--lock',
    lockPath,
    '--policy',
    'baseline',
    '--',
    ...server,
  ];

  const results: BenchResult[] = [];
  const direct = await connect([node, ECHO]);
  const pass = await connect([node, PASS, node, ECHO]);
  const capseal = await connect(proxy(lock, [node, ECHO]));
  if (PIN) {
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    pinTree(direct.transport.pid, '0', '0');
    pinTree(pass.transport.pid, '1', '0');
    pinTree(capseal.transport.pid, '1', '0');
  }
  try {
    // Interleave the three call by call, so changes in the machine's load (other processes on a shared
    // runner) hit all of them alike; then take each one's median.
    const p50 = { direct: [] as number[], pass: [] as number[], capseal: [] as number[] };
    const clients = [
      [direct.client, p50.direct],
      [pass.client, p50.pass],
      [capseal.client, p50.capseal],
    ] as const;
    for (let i = 0; i < 300; i++) for (const [client] of clients) await call(client, i);
    for (let i = 0; i < SEQUENTIAL; i++) {
      for (const [client, times] of clients) {
        const t = performance.now();
        await call(client, i);
        times.push(performance.now() - t);
      }
    }
    const d = median(p50.direct);
    const p = median(p50.pass);
    const c = median(p50.capseal);
    const p90 = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length * 0.9)] as number;
    results.push({
      name: `tools/call p50 through capseal proxy (enforce, baseline pack${PIN ? ', proxy pinned to its own core' : ''})`,
      unit: 'ms',
      value: c,
      baselineName: 'bare line pass-through',
      baseline: p,
      ratio: c / p,
      target: '≤ 1.15×',
      note: `direct client→server p50 ${d.toFixed(3)} ms; p90 capseal ${p90(p50.capseal).toFixed(3)} vs pass-through ${p90(p50.pass).toFixed(3)} ms; ${SEQUENTIAL} calls each, interleaved; proxy run from ${cli.how}`,
    });
    const tp = { pass: [] as number[], capseal: [] as number[] };
    // Many short rounds, alternating, and the median of each: on a small shared machine the client, the
    // proxy and the server compete for cores, and alternating spreads any disturbance over both alike.
    // Steady state, as a long-running proxy is: both first serve WARMUP calls at 32 in flight, so the JIT has
    // compiled their hot paths (capseal's bundle has more code to compile than the 10-line pass-through).
    const WARMUP = 20_000;
    await throughput(pass.client, WARMUP);
    await throughput(capseal.client, WARMUP);
    const ROUNDS = 10;
    const cpu = { pass: 0, capseal: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      let t = cpuMs(pass.transport.pid);
      tp.pass.push(await throughput(pass.client, PARALLEL_TOTAL / ROUNDS));
      cpu.pass += cpuMs(pass.transport.pid) - t;
      t = cpuMs(capseal.transport.pid);
      tp.capseal.push(await throughput(capseal.client, PARALLEL_TOTAL / ROUNDS));
      cpu.capseal += cpuMs(capseal.transport.pid) - t;
    }
    const tpPass = median(tp.pass);
    const tpCapseal = median(tp.capseal);
    results.push({
      name: `tools/call throughput, ${IN_FLIGHT} in flight, through capseal proxy${PIN ? ' (proxy pinned to its own core)' : ''}`,
      unit: 'calls/s',
      value: tpCapseal,
      baselineName: 'bare line pass-through',
      baseline: tpPass,
      ratio: tpCapseal / tpPass,
      target: '≥ 0.9×',
      note: `after ${WARMUP / 1000}k warm-up calls each, median of ${ROUNDS} alternating rounds of ${PARALLEL_TOTAL / ROUNDS} calls; rounds pass-through ${tp.pass.map((v) => (v / 1000).toFixed(1)).join('/')}k, capseal ${tp.capseal.map((v) => (v / 1000).toFixed(1)).join('/')}k`,
    });
    // The proxy's own CPU per call, from the kernel's accounting: independent of how the two cores were shared.
    const perCall = (ms: number) => (ms * 1000) / PARALLEL_TOTAL;
    results.push({
      name: 'proxy process CPU time per tools/call (during the throughput rounds)',
      unit: 'µs',
      value: perCall(cpu.capseal),
      baselineName: 'bare line pass-through',
      baseline: perCall(cpu.pass),
      ratio: cpu.capseal / cpu.pass,
      note: 'user + system time of the proxy process itself (/proc/PID/stat), over all rounds',
    });
  } finally {
    await Promise.all([direct.client.close(), pass.client.close(), capseal.client.close()]);
  }

  // Memory. V8 sizes its heap lazily: with room to spare a busy process's RSS keeps rising long after
  // its live data stopped growing, so raw RSS says little about leaks. The proxy therefore runs here with
  // its old space capped (a leak would end in an out-of-memory crash long before 100k calls) and RSS is
  // sampled every 10k calls: the figure is the last sample against the first.
  const HEAP_CAP_MB = 48;
  const capped = await connect([
    node,
    `--max-old-space-size=${HEAP_CAP_MB}`,
    ...proxy(lock, [node, ECHO]).slice(1),
  ]);
  try {
    const samples: number[] = [];
    await throughput(capped.client, 10_000);
    for (let done = 0; done < MEMORY_CALLS; done += 10_000) {
      samples.push(rssMB(capped.transport.pid));
      await throughput(capped.client, 10_000);
    }
    samples.push(rssMB(capped.transport.pid));
    const first = samples[0] as number;
    const last = samples.at(-1) as number;
    results.push({
      name: `capseal proxy RSS after ${MEMORY_CALLS.toLocaleString('en')} more calls (old space capped at ${HEAP_CAP_MB} MB)`,
      unit: 'MB',
      value: last,
      baselineName: 'RSS after 10k-call warm-up',
      baseline: first,
      ratio: last / first,
      target: 'bounded: no growth with the number of calls',
      note: `samples every 10k calls: ${samples.map((v) => v.toFixed(0)).join(' ')} MB; live heap stays under the cap (no OOM); without a cap V8 grows RSS lazily up to its default limit`,
    });
  } finally {
    await capped.client.close();
  }

  const bigDirect = await connect([node, ECHO, '1000']);
  const bigCapseal = await connect(proxy(bigLock, [node, ECHO, '1000']));
  try {
    const ld: number[] = [];
    const lc: number[] = [];
    for (let round = 0; round < 3; round++) {
      ld.push(await p50Lists(bigDirect.client, LISTS / 3));
      lc.push(await p50Lists(bigCapseal.client, LISTS / 3));
    }
    const direct1000 = median(ld);
    const capseal1000 = median(lc);
    results.push({
      name: '1,000-tool tools/list p50 through capseal proxy (every entry normalized and digested)',
      unit: 'ms',
      value: capseal1000,
      baselineName: 'direct client→server',
      baseline: direct1000,
      ratio: capseal1000 / direct1000,
      note: `added latency ${(capseal1000 - direct1000).toFixed(2)} ms`,
    });
  } finally {
    await Promise.all([bigDirect.client.close(), bigCapseal.client.close()]);
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run()) {
    process.stdout.write(
      `${r.name}: ${r.value.toFixed(3)} ${r.unit} vs ${r.baselineName} ${r.baseline.toFixed(3)} ${r.unit} → ${r.ratio.toFixed(2)}× ${r.target ?? ''} ${r.note ?? ''}\n`,
    );
  }
}
