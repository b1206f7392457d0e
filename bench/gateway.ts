import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { serializeLockfile } from '../src/lockfile/index.js';
import { snapshotServer } from '../src/snapshot/io/snapshot.js';
import { rssMB, rssUnderLoad } from './rss.js';
import type { BenchResult } from './types.js';

// tools/call on a trivial echo tool over Streamable HTTP, two ways, in one run on one machine:
//   through `capseal gateway` (enforce, one stdio upstream, namespaced) and through `supergateway --stateful`
//   exposing the same stdio server. Both serve a 2025 session of the same SDK v1 client.
const REPO = join(import.meta.dirname, '..');
const ECHO = join(REPO, 'fixtures', 'servers', 'proxy-echo.mjs');
const SUPERGATEWAY = join(REPO, 'node_modules', 'supergateway', 'dist', 'index.js');
const node = process.execPath;
const SEQUENTIAL = Number(process.env.BENCH_GATEWAY_CALLS ?? 2_000);
const PARALLEL_TOTAL = Number(process.env.BENCH_GATEWAY_PARALLEL ?? 20_000);
const IN_FLIGHT = 32;

async function cliArgv(): Promise<{ argv: string[]; how: string }> {
  if (process.env.CAPSEAL_CLI) return { argv: [process.env.CAPSEAL_CLI], how: process.env.CAPSEAL_CLI };
  try {
    const out = join(REPO, '.bench', 'dist');
    execFileSync(node, [join(REPO, 'scripts', 'build.mjs'), '--out', out], { stdio: 'pipe' });
    return { argv: [join(out, 'cli.js')], how: 'ncc bundle (scripts/build.mjs)' };
  } catch {
    return {
      argv: ['--import', 'tsx', join(REPO, 'src', 'cli', 'bin.ts')],
      how: 'tsx (bundle build failed)',
    };
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Start a process and wait until `ready` matches its output (stderr or stdout). */
function startUntil(argv: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, argv, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const on = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m !== null) resolve({ child, match: m });
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out.slice(-2000)}`)));
  });
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  await client.listTools();
  return client;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function throughput(client: Client, tool: string, total: number): Promise<number> {
  let next = 0;
  const t = performance.now();
  const worker = async () => {
    while (next < total) await client.callTool({ name: tool, arguments: { text: `call ${next++}` } });
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return total / ((performance.now() - t) / 1000);
}

const log = (m: string) => process.env.BENCH_DEBUG && process.stderr.write(`bench gateway: ${m}\n`);

async function p50Lists(list: () => Promise<unknown>, n: number): Promise<number> {
  for (let i = 0; i < 5; i++) await list();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await list();
    times.push(performance.now() - t);
  }
  return median(times);
}

/** A merged tools/list of 10 upstreams × 100 tools vs the same 1,000 tools from one server through `capseal proxy`. */
async function mergedList(cli: { argv: string[] }, dir: string): Promise<BenchResult[]> {
  const names = Array.from({ length: 10 }, (_, i) => `u${i}`);
  const small = await snapshotServer(
    { name: 'u', transport: 'stdio', command: node, args: [ECHO, '99'], baseDir: REPO },
    { sandbox: { mode: 'off' } },
  );
  const big = await snapshotServer(
    { name: 'big', transport: 'stdio', command: node, args: [ECHO, '999'], baseDir: REPO },
    { sandbox: { mode: 'off' } },
  );
  const servers = Object.fromEntries([...names.map((n) => [n, small]), ['big', big]]);
  await writeFile(join(dir, 'lists-lock.json'), serializeLockfile({ lockfileVersion: 2, servers }));
  const config = join(dir, 'lists.yaml');
  await writeFile(
    config,
    `gatewayVersion: 1\nlisten: { port: 0 }\nlockfile: lists-lock.json\npageSize: 1000\nsandbox: { mode: "off" }\nupstreams:\n${names.map((n) => `  ${n}: {}\n`).join('')}`,
  );
  const gw = await startUntil(
    [...cli.argv, 'gateway', '--quiet', '--config', config],
    /listening on (http:\S+)/,
  );
  const gwClient = await connect(gw.match[1] as string);
  const proxy = new Client({ name: 'bench', version: '1.0.0' });
  await proxy.connect(
    new StdioClientTransport({
      command: node,
      args: [
        ...cli.argv,
        'proxy',
        '--quiet',
        '--lock',
        join(dir, 'lists-lock.json'),
        '--server',
        'big',
        '--sandbox',
        'off',
      ],
      cwd: REPO,
      stderr: 'ignore',
    }),
  );
  try {
    const count = (await gwClient.listTools()).tools.length;
    const g = await p50Lists(() => gwClient.listTools(), 40);
    const p = await p50Lists(() => proxy.listTools(), 40);
    return [
      {
        name: `merged tools/list through capseal gateway (10 upstreams × 100 tools, ${count} listed)`,
        unit: 'ms',
        value: g,
        baselineName: 'one 1,000-tool server through capseal proxy',
        baseline: p,
        ratio: g / p,
        target: '≤ 2×',
        note: 'p50 of 40 lists each, one page (pageSize 1000); upstream lists cached until list_changed',
      },
    ];
  } finally {
    await Promise.all([gwClient.close(), proxy.close()]).catch(() => {});
    gw.child.kill('SIGTERM');
  }
}

/** RSS of a gateway with its old space capped (a leak would end in OOM), sampled every 10k calls. */
async function memoryFlat(cli: { argv: string[] }, config: string): Promise<BenchResult> {
  const HEAP_CAP_MB = 48;
  const gw = await startUntil(
    [`--max-old-space-size=${HEAP_CAP_MB}`, ...cli.argv, 'gateway', '--quiet', '--config', config],
    /listening on (http:\S+)/,
  );
  const client = await connect(gw.match[1] as string);
  try {
    return await rssUnderLoad({
      pid: gw.child.pid,
      heapCapMB: HEAP_CAP_MB,
      load: (n) => throughput(client, 'echo__echo', n),
      calls: Number(process.env.BENCH_GATEWAY_MEMORY_CALLS ?? 100_000),
      what: 'capseal gateway',
    });
  } finally {
    await client.close().catch(() => {});
    gw.child.kill('SIGTERM');
  }
}

/** Idle memory per 2025 session: RSS of the gateway process before and after opening SESSIONS sessions. */
async function sessionMemory(pid: number | undefined, url: string): Promise<BenchResult> {
  const SESSIONS = Number(process.env.BENCH_GATEWAY_SESSIONS ?? 500);
  await new Promise((r) => setTimeout(r, 500));
  const before = rssMB(pid) * 1024;
  const clients: Client[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const c = new Client({ name: 'bench-idle', version: '1.0.0' });
    await c.connect(new StreamableHTTPClientTransport(new URL(url)));
    clients.push(c);
  }
  await new Promise((r) => setTimeout(r, 1_000));
  const after = rssMB(pid) * 1024;
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  const per = (after - before) / SESSIONS;
  return {
    name: `idle memory per 2025 session (${SESSIONS} sessions, each with its event stream open)`,
    unit: 'MB',
    value: per / 1024,
    baselineName: 'target 64 KB',
    baseline: 64 / 1024,
    ratio: per / 64,
    target: '≤ 1.0× (64 KB)',
    note: `gateway RSS ${(before / 1024).toFixed(0)} → ${(after / 1024).toFixed(0)} MB; ${per.toFixed(1)} KB per session (RSS delta, no forced GC)`,
  };
}

export async function run(): Promise<BenchResult[]> {
  const cli = await cliArgv();
  log(`cli ${cli.how}`);
  const dir = await mkdtemp(join(tmpdir(), 'capseal-bench-gateway-'));
  const entry = await snapshotServer(
    { name: 'echo', transport: 'stdio', command: node, args: [ECHO], baseDir: REPO },
    { sandbox: { mode: 'off' } },
  );
  await writeFile(
    join(dir, 'mcp-lock.json'),
    serializeLockfile({ lockfileVersion: 2, servers: { echo: entry } }),
  );
  const config = join(dir, 'capseal.gateway.yaml');
  await writeFile(
    config,
    'gatewayVersion: 1\nlisten: { port: 0 }\nlockfile: mcp-lock.json\nsandbox: { mode: "off" }\nupstreams:\n  echo: {}\n',
  );
  log('locked');
  const gw = await startUntil(
    [...cli.argv, 'gateway', '--quiet', '--config', config],
    /listening on (http:\S+)/,
  );
  log('gateway up');
  const port = await freePort();
  const sg = await startUntil(
    [
      SUPERGATEWAY,
      '--stdio',
      `${node} ${ECHO}`,
      '--outputTransport',
      'streamableHttp',
      '--stateful',
      '--port',
      String(port),
      '--logLevel',
      'info',
    ],
    /Listening on port|listening/i,
  );
  log('started');
  const clients = {
    capseal: await connect(gw.match[1] as string),
    super: await connect(`http://127.0.0.1:${port}/mcp`),
  };
  const tool = { capseal: 'echo__echo', super: 'echo' };
  try {
    const times = { capseal: [] as number[], super: [] as number[] };
    for (let i = 0; i < 300; i++)
      for (const k of ['capseal', 'super'] as const)
        await clients[k].callTool({ name: tool[k], arguments: { text: 'w' } });
    for (let i = 0; i < SEQUENTIAL; i++)
      for (const k of ['capseal', 'super'] as const) {
        const t = performance.now();
        await clients[k].callTool({ name: tool[k], arguments: { text: `call ${i}` } });
        times[k].push(performance.now() - t);
      }
    log('p50 done');
    const c = median(times.capseal);
    const s = median(times.super);
    const tp = { capseal: [] as number[], super: [] as number[] };
    await throughput(clients.capseal, tool.capseal, 5_000);
    await throughput(clients.super, tool.super, 5_000);
    const ROUNDS = 6;
    for (let r = 0; r < ROUNDS; r++)
      for (const k of ['capseal', 'super'] as const)
        tp[k].push(await throughput(clients[k], tool[k], PARALLEL_TOTAL / ROUNDS));
    return [
      ...(await mergedList(cli, dir)),
      await memoryFlat(cli, config),
      await sessionMemory(gw.child.pid, gw.match[1] as string),
      {
        name: 'tools/call p50 through capseal gateway (enforce, one stdio upstream)',
        unit: 'ms',
        value: c,
        baselineName: 'supergateway --stateful (same stdio server)',
        baseline: s,
        ratio: c / s,
        target: '≤ 1.0×',
        note: `${SEQUENTIAL} calls each, interleaved, one 2025 session each (SDK v1 client); gateway from ${cli.how}`,
      },
      {
        name: `tools/call throughput, ${IN_FLIGHT} in flight, through capseal gateway`,
        unit: 'calls/s',
        value: median(tp.capseal),
        baselineName: 'supergateway --stateful (same stdio server)',
        baseline: median(tp.super),
        ratio: median(tp.capseal) / median(tp.super),
        target: '≥ 1.0×',
        note: `median of ${ROUNDS} alternating rounds of ${PARALLEL_TOTAL / ROUNDS} calls; capseal ${tp.capseal.map((v) => v.toFixed(0)).join('/')}, supergateway ${tp.super.map((v) => v.toFixed(0)).join('/')}`,
      },
    ];
  } finally {
    await Promise.all([clients.capseal.close(), clients.super.close()]).catch(() => {});
    gw.child.kill('SIGTERM');
    sg.child.kill('SIGTERM');
  }
}
