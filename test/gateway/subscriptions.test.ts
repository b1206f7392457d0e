import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/io/index.js';
import { BLOCKED_CODE } from '../../src/proxy/index.js';
import { startNotifierGateway } from './notifier.js';

// 2026-07-28 subscriptions/listen through the gateway: an SSE stream on the POST carries the ack, then
// only what its filter asked for (list_changed from any upstream, resources/updated for its own exposed
// URIs), tagged with its id; one client's stream never sees another's events; closing it ends it.
let gw: RunningGateway;
const SUB = 'io.modelcontextprotocol/subscriptionId';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' };

beforeAll(async () => {
  gw = await startNotifierGateway();
}, 60_000);

let closed = false;
afterAll(async () => {
  if (!closed) await gw?.close();
});

const post = (method: string, id: unknown, params: Record<string, unknown>, signal?: AbortSignal) =>
  fetch(gw.url, {
    method: 'POST',
    ...(signal === undefined ? {} : { signal }),
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(method === 'tools/call' ? { 'mcp-name': String(params.name) } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: META } }),
  });

const call = async (name: string, args: Record<string, unknown> = {}) => {
  const r = await post('tools/call', 1, { name, arguments: args });
  return (await r.json()) as { result?: unknown; error?: unknown };
};

interface Stream {
  messages: Record<string, unknown>[];
  status: number;
  type: string | null;
  close(): void;
}

/** Open a listen with raw fetch and collect every SSE message it carries. */
async function listen(id: string, notifications: unknown): Promise<Stream> {
  const abort = new AbortController();
  const res = await post('subscriptions/listen', id, { notifications }, abort.signal);
  const stream: Stream = {
    messages: [],
    status: res.status,
    type: res.headers.get('content-type'),
    close: () => abort.abort(),
  };
  if (!stream.type?.startsWith('text/event-stream')) {
    stream.messages.push((await res.json()) as Record<string, unknown>);
    return stream;
  }
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const data = buffer
            .slice(0, end)
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (data !== '') stream.messages.push(JSON.parse(data) as Record<string, unknown>);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {}
  })();
  for (let i = 0; i < 100 && stream.messages.length === 0; i++) await sleep(10);
  return stream;
}

const methods = (s: Stream) => s.messages.map((m) => m.method ?? 'result');
const waitFor = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await sleep(10);
};

describe('subscriptions/listen through the gateway', () => {
  it('acknowledges the filter, then streams only what it asked for, tagged, and per client', async () => {
    const a = await listen('A', { toolsListChanged: true, resourceSubscriptions: ['n__note:///a'] });
    const b = await listen('B', { resourceSubscriptions: ['n__note:///b'] });
    expect([a.status, a.type, b.status]).toEqual([200, 'text/event-stream', 200]);
    expect(a.messages[0]).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: {
        notifications: { toolsListChanged: true, resourceSubscriptions: ['n__note:///a'] },
        _meta: { [SUB]: 'A' },
      },
    });
    expect(gw.listens()).toBe(2);

    expect((await call('n__touch', { uri: 'note:///a' })).result).toBeDefined();
    await waitFor(() => a.messages.length > 1);
    expect(a.messages[1]).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/resources/updated',
      params: { uri: 'n__note:///a', _meta: { [SUB]: 'A' } },
    });
    await call('n__touch', { uri: 'note:///b' });
    await call('n__relist');
    await waitFor(() => b.messages.length > 1 && a.messages.length > 2);
    await sleep(100);
    expect(methods(a)).toEqual([
      'notifications/subscriptions/acknowledged',
      'notifications/resources/updated',
      'notifications/tools/list_changed',
    ]);
    expect(a.messages[2]).toMatchObject({ params: { _meta: { [SUB]: 'A' } } });
    // B asked for no list_changed and for note:///b only: it never sees A's URI nor the tools list.
    expect(methods(b)).toEqual([
      'notifications/subscriptions/acknowledged',
      'notifications/resources/updated',
    ]);
    expect(b.messages[1]).toMatchObject({ params: { uri: 'n__note:///b', _meta: { [SUB]: 'B' } } });

    a.close();
    await waitFor(() => gw.listens() === 1);
    expect(gw.listens()).toBe(1);
    await call('n__touch', { uri: 'note:///a' });
    await sleep(100);
    expect(a.messages).toHaveLength(3);
    b.close();
    await waitFor(() => gw.listens() === 0);
    expect(gw.listens()).toBe(0);
  }, 30_000);

  it('refuses the whole listen when one URI is not what resources/read would allow', async () => {
    const unknown = await listen('U', { resourceSubscriptions: ['n__note:///a', 'x__note:///a'] });
    expect(unknown.type).toMatch(/application\/json/);
    expect(unknown.messages[0]).toMatchObject({
      id: 'U',
      error: { code: BLOCKED_CODE, data: { kind: 'unknown-upstream', method: 'subscriptions/listen' } },
    });
    const unlocked = await listen('L', { resourceSubscriptions: ['n__note:///not-locked'] });
    expect(unlocked.messages[0]).toMatchObject({
      id: 'L',
      error: { code: BLOCKED_CODE, data: { server: 'n', method: 'subscriptions/listen' } },
    });
    const bad = await listen('P', { resourceSubscriptions: [7] });
    expect(bad.messages[0]).toMatchObject({ id: 'P', error: { code: -32602 } });
    const none = await listen('N', undefined);
    expect(none.messages[0]).toMatchObject({ id: 'N', error: { code: -32602 } });
    expect(gw.listens()).toBe(0);
  }, 30_000);

  it('ends a listen that asks for nothing with its result right after the ack', async () => {
    const empty = await listen('E', { toolsListChanged: false });
    await waitFor(() => empty.messages.length > 1);
    expect(empty.messages[1]).toMatchObject({
      id: 'E',
      result: { resultType: 'complete', _meta: { [SUB]: 'E' } },
    });
    expect(gw.listens()).toBe(0);
  });

  it('serves the SDK v2 client pinned to 2026-07-28', async () => {
    const client = new ClientV2(
      { name: 'gw-listen', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } as never },
    );
    await client.connect(new HttpV2(new URL(gw.url)));
    const updated: unknown[] = [];
    const changed: unknown[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => {
      updated.push(n.params.uri);
    });
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changed.push(true);
    });
    const sub = await client.listen({ toolsListChanged: true, resourceSubscriptions: ['n__note:///b'] });
    expect(sub.honoredFilter).toEqual({ toolsListChanged: true, resourceSubscriptions: ['n__note:///b'] });
    await client.callTool({ name: 'n__touch', arguments: { uri: 'note:///a' } });
    await client.callTool({ name: 'n__touch', arguments: { uri: 'note:///b' } });
    await client.callTool({ name: 'n__relist', arguments: {} });
    await waitFor(() => updated.length > 0 && changed.length > 0);
    expect(updated).toEqual(['n__note:///b']);
    expect(changed).toHaveLength(1);
    await sub.close();
    await waitFor(() => gw.listens() === 0);
    expect(gw.listens()).toBe(0);
    await client.close();
  }, 30_000);

  it('ends every open listen with its result when the gateway shuts down', async () => {
    const open = await listen('S', { toolsListChanged: true });
    expect(gw.listens()).toBe(1);
    closed = true;
    await gw.close();
    await waitFor(() => open.messages.length > 1);
    expect(open.messages[1]).toMatchObject({
      id: 'S',
      result: { resultType: 'complete', _meta: { [SUB]: 'S' } },
    });
  }, 30_000);
});
