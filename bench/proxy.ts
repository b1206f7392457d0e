import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioClientTransportV2 } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { serializeLockfile } from '../src/lockfile/index.js';
import { snapshotServer } from '../src/snapshot/io/snapshot.js';
import { rssUnderLoad } from './rss.js';
import type { BenchResult } from './types.js';

// Round trips of tools/call on a trivial echo tool, three ways, in one run on one machine:
//   direct SDK client → server; through a bare line pass-through (bench/passthrough.mjs); through
//   `capseal proxy` (enforce, baseline pack, arguments validated against the locked schema). Throughput with
//   the cores shared, then with the proxy pinned to a core of its own; tools/call p50 for a 2025 and a
//   2026-07-28 client of one dual-generation server; a 1,000-tool tools/list; the proxy's RSS after 100k calls.
const REPO = join(import.meta.dirname, '..');
const ECHO = join(REPO, 'fixtures', 'servers', 'proxy-echo.mjs');
const DUAL = join(REPO, 'fixtures', 'servers', 'v2-dual.mjs');
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

/** Every process below `pid` (children, their children, …), from /proc (Linux). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    for (const child of children.split(/\s+/).filter(Boolean).map(Number))
      out.push(child, ...descendants(child));
  }
  return out;
}

/**
 * Pinning (Linux, taskset, ≥ 2 cores): the proxy (and the pass-through, alike) on a core of its own, the
 * client and the servers (every descendant, sandbox wrappers included) on another, as in production where
 * the proxy does not share a core with the host and the server. Every thread is pinned (taskset -a);
 * `cores` undefined gives every process all cores back.
 */
const CAN_PIN = process.platform === 'linux' && existsSync('/usr/bin/taskset') && cpuCount() >= 2;
function cpuCount(): number {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm)?.length ?? 1;
  } catch {
    return 1;
  }
}
function pin(pid: number | null | undefined, middle: string, rest: string): void {
  if (!pid) return;
  const set = (cores: string, p: number) =>
    execFileSync('taskset', ['-a', '-p', '-c', cores, String(p)], { stdio: 'ignore' });
  set(middle, pid);
  for (const child of descendants(pid)) set(rest, child);
}
const ALL_CORES = `0-${cpuCount() - 1}`;

/**
 * Many short rounds, alternating, and the median of each: on a small shared machine the client, the proxy
 * and the server compete for cores, and alternating spreads any disturbance over both alike. Also the
 * proxy's own CPU per call, from the kernel's accounting: independent of how the cores were shared.
 */
async function throughputRounds(
  pass: { client: Client; transport: StdioClientTransport },
  capseal: { client: Client; transport: StdioClientTransport },
  how: string,
  warmNote: string,
): Promise<BenchResult[]> {
  const tp = { pass: [] as number[], capseal: [] as number[] };
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
  const perCall = (ms: number) => (ms * 1000) / PARALLEL_TOTAL;
  return [
    {
      name: `tools/call throughput, ${IN_FLIGHT} in flight, through capseal proxy (${how})`,
      unit: 'calls/s',
      value: tpCapseal,
      baselineName: 'bare line pass-through',
      baseline: tpPass,
      ratio: tpCapseal / tpPass,
      target: '≥ 0.9×',
      note: `${warmNote}median of ${ROUNDS} alternating rounds of ${PARALLEL_TOTAL / ROUNDS} calls; rounds pass-through ${tp.pass.map((v) => (v / 1000).toFixed(1)).join('/')}k, capseal ${tp.capseal.map((v) => (v / 1000).toFixed(1)).join('/')}k`,
    },
    {
      name: 'proxy process CPU time per tools/call (during the throughput rounds)',
      unit: 'µs',
      value: perCall(cpu.capseal),
      baselineName: 'bare line pass-through',
      baseline: perCall(cpu.pass),
      ratio: cpu.capseal / cpu.pass,
      note: 'user + system time of the proxy process itself (/proc/PID/stat), over all rounds',
    },
  ];
}

/**
 * tools/call p50 of one dual-generation server (SDK v2 fixture) for a 2025 client (SDK v1, initialize)
 * and a 2026-07-28 client (SDK v2 pinned: stateless, `_meta` envelope), each through the bare pass-through
 * and through the proxy (enforce, baseline pack, arguments validated against the locked input schema),
 * all four interleaved call by call.
 */
async function generationsP50(proxy: (lock: string, server: string[]) => string[]): Promise<BenchResult[]> {
  const lock = await lockOf('dual', [DUAL]);
  const server = [node, DUAL];
  const v1 = async (command: string[]) => {
    const c = await connect(command);
    return {
      call: (i: number) => c.client.callTool({ name: 'read_file', arguments: { path: `f${i}` } }),
      close: () => c.client.close(),
    };
  };
  const v2 = async (command: string[]) => {
    const [cmd, ...args] = command as [string, ...string[]];
    const transport = new StdioClientTransportV2({ command: cmd, args, cwd: REPO, stderr: 'ignore' });
    const client = new ClientV2({ name: 'bench', version: '1.0.0' }, {
      versionNegotiation: { mode: { pin: '2026-07-28' } },
    } as ConstructorParameters<typeof ClientV2>[1]);
    await client.connect(transport);
    await client.listTools();
    return {
      call: (i: number) => client.callTool({ name: 'read_file', arguments: { path: `f${i}` } }),
      close: () => client.close(),
    };
  };
  const runs = {
    '2025 pass': await v1([node, PASS, ...server]),
    '2025 capseal': await v1(proxy(lock, server)),
    '2026 pass': await v2([node, PASS, ...server]),
    '2026 capseal': await v2(proxy(lock, server)),
  };
  try {
    const times = Object.fromEntries(Object.keys(runs).map((k) => [k, [] as number[]]));
    for (let i = 0; i < 300; i++) for (const r of Object.values(runs)) await r.call(i);
    for (let i = 0; i < SEQUENTIAL; i++) {
      for (const [k, r] of Object.entries(runs)) {
        const t = performance.now();
        await r.call(i);
        times[k]?.push(performance.now() - t);
      }
    }
    return (['2025', '2026'] as const).map((gen) => {
      const p = median(times[`${gen} pass`] as number[]);
      const c = median(times[`${gen} capseal`] as number[]);
      return {
        name: `tools/call p50 through capseal proxy, ${gen === '2025' ? '2025 client (initialize)' : '2026-07-28 client (pinned, stateless)'}, dual-generation server, arguments validated`,
        unit: 'ms' as const,
        value: c,
        baselineName: 'bare line pass-through',
        baseline: p,
        ratio: c / p,
        target: '≤ 1.15×',
        note: `${SEQUENTIAL} calls each, the four runs interleaved; enforce, baseline pack`,
      };
    });
  } finally {
    await Promise.all(Object.values(runs).map((r) => r.close().catch(() => {})));
  }
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
      name: 'tools/call p50 through capseal proxy (enforce, baseline pack, 2025 client, cores shared)',
      unit: 'ms',
      value: c,
      baselineName: 'bare line pass-through',
      baseline: p,
      ratio: c / p,
      target: '≤ 1.15×',
      note: `direct client→server p50 ${d.toFixed(3)} ms; p90 capseal ${p90(p50.capseal).toFixed(3)} vs pass-through ${p90(p50.pass).toFixed(3)} ms; ${SEQUENTIAL} calls each, interleaved; proxy run from ${cli.how}`,
    });
    // Steady state, as a long-running proxy is: both first serve WARMUP calls at 32 in flight, so the JIT has
    // compiled their hot paths (capseal's bundle has more code to compile than the 10-line pass-through).
    const WARMUP = 20_000;
    await throughput(pass.client, WARMUP);
    await throughput(capseal.client, WARMUP);
    results.push(
      ...(await throughputRounds(
        pass,
        capseal,
        'cores shared',
        `after ${WARMUP / 1000}k warm-up calls each, `,
      )),
    );
    if (CAN_PIN) {
      const pinAll = (on: boolean) => {
        execFileSync('taskset', ['-a', '-p', '-c', on ? '0' : ALL_CORES, String(process.pid)], {
          stdio: 'ignore',
        });
        pin(direct.transport.pid, on ? '0' : ALL_CORES, on ? '0' : ALL_CORES);
        pin(pass.transport.pid, on ? '1' : ALL_CORES, on ? '0' : ALL_CORES);
        pin(capseal.transport.pid, on ? '1' : ALL_CORES, on ? '0' : ALL_CORES);
      };
      pinAll(true);
      try {
        await throughput(pass.client, 2_000);
        await throughput(capseal.client, 2_000);
        const pinned = await throughputRounds(pass, capseal, 'proxy pinned to its own core with taskset', '');
        results.push(pinned[0] as BenchResult);
      } finally {
        pinAll(false);
      }
    }
  } finally {
    await Promise.all([direct.client.close(), pass.client.close(), capseal.client.close()]);
  }

  // Memory: bench/rss.ts says why the old space is capped.
  const HEAP_CAP_MB = 48;
  const capped = await connect([
    node,
    `--max-old-space-size=${HEAP_CAP_MB}`,
    ...proxy(lock, [node, ECHO]).slice(1),
  ]);
  try {
    results.push(
      await rssUnderLoad({
        pid: capped.transport.pid,
        heapCapMB: HEAP_CAP_MB,
        load: (n) => throughput(capped.client, n),
        calls: MEMORY_CALLS,
        what: 'capseal proxy',
        note: 'live heap stays under the cap (no OOM); without a cap V8 grows RSS lazily up to its default limit',
      }),
    );
  } finally {
    await capped.client.close();
  }

  results.push(...(await generationsP50(proxy)));

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
