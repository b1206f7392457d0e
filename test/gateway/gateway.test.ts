import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/io/index.js';
import { BLOCKED_CODE, SERVER_GONE_CODE } from '../../src/proxy/index.js';
import { type Fixture, lockThreeUpstreams, rejection, startGateway } from './helpers.js';

// One gateway, three real upstreams (stdio fixture, server-everything over stdio, SDK v2 dual over HTTP),
// SDK v1 and v2 clients, legacy sessions and modern stateless requests at once.
let fx: Fixture;
let gw: RunningGateway;
type AnyClient = {
  listTools(p?: { cursor?: string }): Promise<{ tools: { name: string }[]; nextCursor?: string }>;
  callTool(p: { name: string; arguments?: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
};
const open: AnyClient[] = [];

async function connect(kind: 'v1' | 'v2-legacy' | 'v2-modern'): Promise<AnyClient> {
  const url = new URL(gw.url);
  let client: AnyClient;
  if (kind === 'v1') {
    const c = new ClientV1({ name: 'gw-test-v1', version: '1.0.0' });
    await c.connect(new HttpV1(url));
    client = c as unknown as AnyClient;
  } else {
    const mode = kind === 'v2-modern' ? { pin: '2026-07-28' } : 'legacy';
    const c = new ClientV2(
      { name: 'gw-test-v2', version: '1.0.0' },
      { versionNegotiation: { mode } as never },
    );
    await c.connect(new HttpV2(url));
    client = c as unknown as AnyClient;
  }
  open.push(client);
  return client;
}

async function allTools(c: AnyClient): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await c.listTools(cursor === undefined ? {} : { cursor });
    names.push(...page.tools.map((t) => t.name));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return names;
}

const text = (r: unknown) => JSON.stringify((r as { content: unknown }).content);

beforeAll(async () => {
  fx = await lockThreeUpstreams();
  gw = await startGateway(fx.configPath);
}, 90_000);

afterAll(async () => {
  await Promise.all(open.map((c) => c.close().catch(() => {})));
  await gw?.close();
  fx?.http.kill('SIGKILL');
});

describe('capseal gateway with three upstreams', () => {
  it('is ready once every upstream verified, and serves /healthz and /metrics', async () => {
    const base = gw.url.replace(/\/mcp$/, '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, upstreams: { crashy: { verified: true } } });
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(
      /capseal_gateway_upstream_up\{upstream="dual"\} 1/,
    );
  });

  it('merges namespaced, filtered, deterministic lists for v1, v2 legacy and v2 modern clients at once', async () => {
    const clients = await Promise.all([connect('v1'), connect('v2-legacy'), connect('v2-modern')]);
    const lists = await Promise.all(clients.map(allTools));
    expect(lists[1]).toEqual(lists[0]);
    expect(lists[2]).toEqual(lists[0]);
    const names = lists[0] as string[];
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(
      expect.arrayContaining(['crashy__echo', 'crashy__crash', 'everything__echo', 'dual__read_file']),
    );
    // Filtered by the config (deny trigger-*-request*), and drifted from the lock: neither is listed.
    expect(names.filter((n) => n.startsWith('everything__trigger-'))).toEqual([
      'everything__trigger-long-running-operation',
    ]);
    expect(names).not.toContain('dual__list_dir');
  }, 60_000);

  it('routes calls by prefix for every client generation, concurrently', async () => {
    const [v1, legacy, modern] = await Promise.all([
      connect('v1'),
      connect('v2-legacy'),
      connect('v2-modern'),
    ]);
    const results = await Promise.all([
      v1.callTool({ name: 'crashy__echo', arguments: { text: 'one' } }),
      legacy.callTool({ name: 'everything__echo', arguments: { message: 'two' } }),
      modern.callTool({ name: 'dual__read_file', arguments: { path: 'three' } }),
      modern.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 3 } }),
    ]);
    expect(text(results[0])).toContain('one');
    expect(text(results[1])).toContain('Echo: two');
    expect(text(results[2])).toContain('called read_file with {\\"path\\":\\"three\\"}');
    expect(text(results[3])).toMatch(/5/);
  }, 60_000);

  it('blocks a drifted entry, a filtered tool and an unknown prefix', async () => {
    const [v1, modern] = await Promise.all([connect('v1'), connect('v2-modern')]);
    for (const c of [v1, modern]) {
      const drifted = await rejection(c.callTool({ name: 'dual__list_dir', arguments: {} }));
      expect(drifted.code).toBe(BLOCKED_CODE);
      expect(drifted.data).toMatchObject({ kind: 'changed', server: 'dual', target: 'dual__list_dir' });
      const filtered = await rejection(
        c.callTool({ name: 'everything__trigger-sampling-request', arguments: {} }),
      );
      expect(filtered.data).toMatchObject({ kind: 'filtered' });
      const unknown = await rejection(c.callTool({ name: 'nowhere__x', arguments: {} }));
      expect(unknown.data).toMatchObject({ kind: 'unknown-upstream' });
    }
    const audit = await readFile(join(fx.dir, 'audit.jsonl'), 'utf8');
    const records = audit
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.some((r) => r.upstream === 'dual' && r.decision === 'block' && r.kind === 'changed')).toBe(
      true,
    );
  }, 60_000);

  it('relays progress to the client that asked, and cancels upstream when a client goes away', async () => {
    const v1 = (await connect('v1')) as unknown as ClientV1;
    const progress: number[] = [];
    const done = await v1.callTool(
      { name: 'everything__trigger-long-running-operation', arguments: { duration: 0.4, steps: 2 } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(text(done)).toContain('completed');
    expect(progress).toEqual([1, 2]);
    const link = gw.links().get('everything');
    const abort = new AbortController();
    const body = {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'everything__trigger-long-running-operation',
        arguments: { duration: 5, steps: 1 },
        _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' },
      },
    };
    const pending = fetch(gw.url, {
      method: 'POST',
      signal: abort.signal,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'everything__trigger-long-running-operation',
      },
      body: JSON.stringify(body),
    }).catch(() => undefined);
    for (let i = 0; i < 50 && link?.inFlight === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(link?.inFlight).toBe(1);
    abort.abort();
    await pending;
    for (let i = 0; i < 50 && link?.inFlight !== 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(link?.inFlight).toBe(0);
  }, 60_000);

  it('keeps serving while one upstream crashes; its tools get server-gone, then come back', async () => {
    const [v1, modern] = await Promise.all([connect('v1'), connect('v2-modern')]);
    const crash = await rejection(v1.callTool({ name: 'crashy__crash', arguments: {} }));
    expect(crash.code).toBe(SERVER_GONE_CODE);
    const [others, gone] = await Promise.all([
      modern.callTool({ name: 'everything__echo', arguments: { message: 'still here' } }),
      rejection(modern.callTool({ name: 'crashy__echo', arguments: { text: 'x' } })).catch(() => undefined),
    ]);
    expect(text(others)).toContain('still here');
    if (gone !== undefined) expect(gone.code).toBe(SERVER_GONE_CODE);
    let back: unknown;
    for (let i = 0; i < 100 && back === undefined; i++) {
      back = await v1.callTool({ name: 'crashy__echo', arguments: { text: 'back' } }).catch(() => undefined);
      if (back === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(text(back)).toContain('back');
    expect(gw.metrics.render()).toMatch(/capseal_gateway_upstream_restarts_total\{upstream="crashy"\} [1-9]/);
  }, 60_000);
});
