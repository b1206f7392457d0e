import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeLockfile } from '../../src/lockfile/index.js';
import { BLOCKED_CODE } from '../../src/proxy/index.js';
import { snapshotServer } from '../../src/snapshot/io/snapshot.js';
import { REPO } from '../helpers/cli.js';
import {
  HAPROXY_BIN,
  type HaproxyBackend,
  haproxyMissing,
  renderHaproxyConfig,
  SHIPPED_HAPROXY_CFG,
} from '../helpers/haproxy.js';
import {
  freePort,
  type RedisServer,
  redisServerMissing,
  startRedisServer,
  stopProcess,
  waitFor,
} from '../helpers/redis-server.js';
import { rejection } from './helpers.js';

// Real parts on 127.0.0.1: redis-server, gateway replicas as separate `node dist/cli.js gateway` processes
// (store: redis), and HAProxy running the shipped deploy/haproxy.cfg in front. The tests run in order and
// share the processes: (1) drift shared between replicas, (2) affinity, stateless routing and a replica killed,
// (3) a Redis outage and recovery.
const missing = redisServerMissing() ?? haproxyMissing();
const CLI = join(REPO, 'dist', 'cli.js');

type AnyClient = {
  listTools(): Promise<{ tools: { name: string }[] }>;
  callTool(p: { name: string; arguments?: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
};

interface Replica {
  name: string;
  port: number;
  child: ChildProcess;
}

let dir = '';
let redis: RedisServer | undefined;
const replicas: Replica[] = [];
/** Every replica process started, for afterAll (a replica that never became ready is not in `replicas`). */
const children: ChildProcess[] = [];
let haproxy: { port: number; child: ChildProcess; output: () => string } | undefined;
let haproxyPort = 0;
const open: AnyClient[] = [];

const text = (r: unknown) => JSON.stringify((r as { content: unknown }).content);
const readyz = (r: Replica) =>
  fetch(`http://127.0.0.1:${r.port}/readyz`, { signal: AbortSignal.timeout(2000) }).then(async (res) => {
    await res.arrayBuffer();
    return res.status;
  });
const replica = (i: number) => replicas[i] as Replica;

/** One replica as its own process; ready once /readyz answers 200 (every upstream verified, Redis synced). */
async function startReplica(name: string): Promise<Replica> {
  const port = await freePort();
  const configPath = join(dir, `${name}.yaml`);
  await writeFile(
    configPath,
    [
      'gatewayVersion: 1',
      // The load balancer forwards the client's Host (HAProxy's address): the gateway must accept it.
      `listen: { host: 127.0.0.1, port: ${port}, allowHosts: ["127.0.0.1:${haproxyPort}"] }`,
      'lockfile: mcp-lock.json',
      `store: { kind: redis, url: "${redis?.url}" }`,
      // auto: the rug server runs under bubblewrap when it is installed (node_modules is a real directory here).
      'sandbox: { mode: auto }',
      'upstreams:',
      '  rug: {}',
      '',
    ].join('\n'),
  );
  // Its own process group, so afterAll also ends the upstream the replica launched.
  const child = spawn(process.execPath, [CLI, 'gateway', '--config', configPath], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (d) => (output += d));
  const r: Replica = { name, port, child };
  children.push(child);
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}:\n${output}`);
      return (await readyz(r)) === 200;
    },
    `${name} ready`,
    30_000,
  );
  return r;
}

/** HAProxy with the shipped config on a port chosen first (the replicas' allowHosts names it). */
async function startHaproxyOn(port: number, backends: readonly HaproxyBackend[]) {
  const cfg = join(dir, 'haproxy.cfg');
  await writeFile(cfg, renderHaproxyConfig(await readFile(SHIPPED_HAPROXY_CFG, 'utf8'), port, backends));
  const child = spawn(HAPROXY_BIN, ['-db', '-f', cfg], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (d) => (output += d));
  haproxy = { port, child, output: () => output };
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`haproxy exited ${child.exitCode}:\n${output}`);
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.status === 200;
    },
    `haproxy on port ${port} with a backend up`,
    15_000,
  );
}

async function connect(kind: 'legacy' | 'modern', url: string): Promise<AnyClient> {
  let client: AnyClient;
  if (kind === 'legacy') {
    const c = new ClientV1({ name: 'gw-replicas-v1', version: '1.0.0' });
    await c.connect(new HttpV1(new URL(url)));
    client = c as unknown as AnyClient;
  } else {
    const c = new ClientV2(
      { name: 'gw-replicas-v2', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } as never },
    );
    await c.connect(new HttpV2(new URL(url)));
    client = c as unknown as AnyClient;
  }
  open.push(client);
  return client;
}

/** The backend server named by each HAProxy httplog line logged after `from` (e.g. `gw1`). */
const servedBy = (from: number) =>
  [...(haproxy?.output().slice(from) ?? '').matchAll(/capseal_gateway\/(gw\d)\s/g)].map((m) => m[1]);

/** Signal a replica's whole process group (the gateway and the upstream it launched). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-(child.pid as number), signal);
  } catch {
    // The group is gone already.
  }
}

beforeAll(async () => {
  if (missing) return;
  dir = await mkdtemp(join(tmpdir(), 'capseal-gateway-replicas-'));
  const rug = await snapshotServer(
    {
      name: 'rug',
      transport: 'stdio',
      command: process.execPath,
      args: [join(REPO, 'fixtures/servers/proxy-rugpull.mjs')],
      baseDir: REPO,
    },
    { sandbox: { mode: 'off' } },
  );
  await writeFile(join(dir, 'mcp-lock.json'), serializeLockfile({ lockfileVersion: 2, servers: { rug } }));
  redis = await startRedisServer();
  haproxyPort = await freePort();
  // In this order: replica 1 is gw1 (a parallel start must not swap them).
  replicas.push(...(await Promise.all([startReplica('gw1'), startReplica('gw2')])));
  await startHaproxyOn(
    haproxyPort,
    replicas.map((r) => ({ name: r.name, port: r.port })),
  );
}, 90_000);

afterAll(async () => {
  await Promise.all(open.map((c) => c.close().catch(() => {})));
  await Promise.all(
    children.map(async (child) => {
      await stopProcess(child);
      killGroup(child, 'SIGKILL');
    }),
  );
  await stopProcess(haproxy?.child);
  await redis?.close();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
}, 30_000);

describe.skipIf(missing !== undefined)(
  `two gateway replicas behind HAProxy sharing redis-server${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    it('blocks on replica 2 the call whose tool rug-pulled on replica 1', async () => {
      const [one, two] = [
        await connect('modern', `http://127.0.0.1:${replica(0).port}/mcp`),
        await connect('modern', `http://127.0.0.1:${replica(1).port}/mcp`),
      ];
      // A listen on replica 2 (open once acknowledged): the list change replica 1's upstream announces
      // reaches it through Redis; replica 2's own upstream never pulls.
      const watching = new AbortController();
      const listen = await fetch(`http://127.0.0.1:${replica(1).port}/mcp`, {
        method: 'POST',
        signal: watching.signal,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'subscriptions/listen',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 'watch',
          method: 'subscriptions/listen',
          params: {
            notifications: { toolsListChanged: true },
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientCapabilities': {},
            },
          },
        }),
      });
      let heard = '';
      const reader = listen.body?.getReader();
      const decoder = new TextDecoder();
      void (async () => {
        for (;;) {
          const chunk = await reader?.read();
          if (chunk === undefined || chunk.done) return;
          heard += decoder.decode(chunk.value, { stream: true });
        }
      })().catch(() => {});
      await waitFor(
        async () => heard.includes('notifications/subscriptions/acknowledged'),
        'the listen on replica 2',
      );
      await one.callTool({ name: 'rug__echo', arguments: { text: 'pull' } });
      // Replica 1 re-lists on list_changed and flags the drift; it stops listing the tool once it has.
      await waitFor(
        async () => !(await one.listTools()).tools.some((t) => t.name === 'rug__fetch_url'),
        'replica 1 to flag the rug pull',
      );
      // One call only: replica 2's own rug server has not pulled (no call ever reached it), so only the flag
      // shared through Redis can block this; a forwarded call would make it pull and prove nothing.
      const blocked = await rejection(
        two.callTool({ name: 'rug__fetch_url', arguments: { url: 'https://x' } }),
      );
      expect(blocked.code).toBe(BLOCKED_CODE);
      expect(blocked.data).toMatchObject({ kind: 'changed', target: 'rug__fetch_url' });
      await waitFor(
        async () => heard.includes('notifications/tools/list_changed'),
        'the list change fanned out to replica 2',
      );
      watching.abort();
    }, 30_000);

    it('keeps a legacy session on one replica, spreads modern calls, and survives a replica killed mid-run', async () => {
      const lb = `http://127.0.0.1:${haproxyPort}/mcp`;
      const mark = haproxy?.output().length ?? 0;
      const legacy = await connect('legacy', lb);
      for (let i = 0; i < 6; i++) {
        expect(text(await legacy.callTool({ name: 'rug__echo', arguments: { text: `l${i}` } }))).toContain(
          `l${i}`,
        );
      }
      // Round robin alone would alternate; the stick table on Mcp-Session-Id keeps every request on one replica.
      await waitFor(async () => servedBy(mark).length >= 7, 'haproxy log lines for the legacy calls');
      const legacyOn = new Set(servedBy(mark));
      expect(legacyOn.size).toBe(1);
      const home = [...legacyOn][0] as string;

      const modern = await connect('modern', lb);
      const modernMark = haproxy?.output().length ?? 0;
      for (let i = 0; i < 6; i++) {
        expect(text(await modern.callTool({ name: 'rug__echo', arguments: { text: `m${i}` } }))).toContain(
          `m${i}`,
        );
      }
      await waitFor(async () => new Set(servedBy(modernMark)).size === 2, 'modern calls on both replicas');

      // Kill the replica the legacy session is not on, with modern calls in flight.
      const victim = replicas.find((r) => r.name !== home) as Replica;
      const running = Array.from({ length: 4 }, (_, i) =>
        modern.callTool({ name: 'rug__echo', arguments: { text: `f${i}` } }).catch(() => 'lost in flight'),
      );
      killGroup(victim.child, 'SIGKILL');
      await Promise.all(running);
      for (let i = 0; i < 10; i++) {
        const call = () => modern.callTool({ name: 'rug__echo', arguments: { text: `a${i}` } });
        // HAProxy retries refused connections on the other server (retries 2, redispatch), but one request
        // already sent on a kept-alive connection to the killed replica may fail before the health check
        // (inter 2s, fall 2) takes it out of the pool: the first call after the kill gets one retry.
        const result = i === 0 ? await call().catch(call) : await call();
        expect(text(result)).toContain(`a${i}`);
      }
      expect(text(await legacy.callTool({ name: 'rug__echo', arguments: { text: 'still' } }))).toContain(
        'still',
      );
    }, 60_000);

    it('fails closed and is not ready while Redis is down, and recovers with the drift flag kept', async () => {
      const alive = replicas.find((r) => r.child.exitCode === null && r.child.signalCode === null) as Replica;
      const url = `http://127.0.0.1:${alive.port}/mcp`;
      const client = await connect('modern', url);
      await redis?.stop();
      await waitFor(async () => (await readyz(alive)) === 503, '/readyz 503 with Redis down', 5_000);
      const refused = await rejection(client.callTool({ name: 'rug__echo', arguments: { text: 'x' } }));
      expect(refused.code).toBe(BLOCKED_CODE);
      expect(refused.data).toMatchObject({ kind: 'store-unavailable' });

      await redis?.start();
      await waitFor(async () => (await readyz(alive)) === 200, '/readyz 200 with Redis back', 10_000);
      expect(text(await client.callTool({ name: 'rug__echo', arguments: { text: 'back' } }))).toContain(
        'back',
      );
      const still = await rejection(
        client.callTool({ name: 'rug__fetch_url', arguments: { url: 'https://x' } }),
      );
      expect(still.data).toMatchObject({ kind: 'changed', target: 'rug__fetch_url' });

      // Redis restarted empty (no persistence): a fresh replica, whose rug server never pulled, can only know
      // the flag because the surviving replica wrote it back on resync.
      const fresh = await startReplica('gw3');
      replicas.push(fresh);
      const late = await connect('modern', `http://127.0.0.1:${fresh.port}/mcp`);
      const blocked = await rejection(
        late.callTool({ name: 'rug__fetch_url', arguments: { url: 'https://x' } }),
      );
      expect(blocked.code).toBe(BLOCKED_CODE);
      expect(blocked.data).toMatchObject({ kind: 'changed', target: 'rug__fetch_url' });
    }, 60_000);
  },
);
