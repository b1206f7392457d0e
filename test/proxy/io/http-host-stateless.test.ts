import { afterEach, describe, expect, it } from 'vitest';
import { type HttpHost, listenHttpHost } from '../../../src/proxy/io/http-host.js';
import { silentLogger } from '../../../src/shared/index.js';

// The --listen endpoint's 2026-07-28 side on its own (a recording sink in place of the session): every
// stateless POST under its own id, SSE answers for progress and listen streams, a closed POST cancels.
const TOKEN = 'test-token';
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};
const hosts: HttpHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

async function endpoint(): Promise<{ host: HttpHost; got: Record<string, unknown>[] }> {
  const host = await listenHttpHost({ host: '127.0.0.1', port: 0 }, silentLogger, { token: TOKEN });
  hosts.push(host);
  const got: Record<string, unknown>[] = [];
  await host.start({
    bytes: () => {},
    message: (m) => void got.push(m as Record<string, unknown>),
    closed: () => {},
  });
  return { host, got };
}

function post(
  url: string,
  body: unknown,
  accept = 'application/json, text/event-stream',
  signal?: AbortSignal,
) {
  const b = body as { method?: string; params?: { name?: string } };
  return fetch(url, {
    method: 'POST',
    ...(signal === undefined ? {} : { signal }),
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json',
      accept,
      'mcp-protocol-version': '2026-07-28',
      ...(b.method === undefined ? {} : { 'mcp-method': b.method }),
      ...(b.params?.name === undefined ? {} : { 'mcp-name': b.params.name }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('--listen, 2026-07-28 stateless POSTs', () => {
  it('gives every POST its own id, so two hosts both using id 1 are answered each their own', async () => {
    const { host, got } = await endpoint();
    const call = (name: string) => ({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name, arguments: {}, _meta: META },
    });
    const a = post(host.url, call('a'));
    const b = post(host.url, call('b'));
    await until(() => got.length === 2);
    const ids = got.map((m) => m.id as string);
    expect(new Set(ids).size).toBe(2);
    for (const m of got) expect(m.id).not.toBe(1);
    // Answer b first, then a: each POST gets its own answer, under the id its host sent.
    const nameOf = (m: Record<string, unknown>) => (m.params as { name: string }).name;
    for (const m of [...got].reverse())
      host.send([{ jsonrpc: '2.0', id: m.id as string, result: { content: [], answered: nameOf(m) } }]);
    expect(await (await a).json()).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [], answered: 'a' } });
    expect(await (await b).json()).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [], answered: 'b' } });
  });

  it('keeps integer ids beyond 2^53 exactly and refuses ids that are not strings or integers', async () => {
    const { host, got } = await endpoint();
    const big =
      '{"jsonrpc":"2.0","id":9007199254740993,"method":"ping","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}';
    const pending = post(host.url, big);
    await until(() => got.length === 1);
    host.send([{ jsonrpc: '2.0', id: got[0]?.id as string, result: {} }]);
    expect(await (await pending).text()).toBe('{"jsonrpc":"2.0","id":9007199254740993,"result":{}}');
    for (const id of [null, {}, [], 1.5, true]) {
      const res = await post(host.url, { jsonrpc: '2.0', id, method: 'ping', params: { _meta: META } });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ id: null, error: { code: -32600 } });
    }
    expect(got).toHaveLength(1);
  });

  it('answers a request with a progress token as an SSE stream carrying its progress, under its own token', async () => {
    const { host, got } = await endpoint();
    const res = post(host.url, {
      jsonrpc: '2.0',
      id: 'r1',
      method: 'tools/call',
      params: { name: 't', arguments: {}, _meta: { ...META, progressToken: 'mine' } },
    });
    await until(() => got.length === 1);
    const seen = got[0] as { id: string; params: { _meta: { progressToken: string } } };
    const token = seen.params._meta.progressToken;
    expect(token).not.toBe('mine');
    // Progress of another token (another host's request) is not this stream's.
    host.send([
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 1 } },
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'mine', progress: 9 } },
      { jsonrpc: '2.0', id: seen.id, result: { content: [] } },
    ]);
    const response = await res;
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = (await response.text())
      .split('\n\n')
      .filter((e) => e.includes('data: '))
      .map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)));
    expect(events).toEqual([
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'mine', progress: 1 } },
      { jsonrpc: '2.0', id: 'r1', result: { content: [] } },
    ]);
  });

  it('streams a subscriptions/listen: its notifications (subscription id restored), then its end', async () => {
    const { host, got } = await endpoint();
    const res = await post(host.url, {
      jsonrpc: '2.0',
      id: 5,
      method: 'subscriptions/listen',
      params: { notifications: { toolsListChanged: true }, _meta: META },
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    await until(() => got.length === 1);
    const internal = got[0]?.id as string;
    const sub = 'io.modelcontextprotocol/subscriptionId';
    host.send([
      { jsonrpc: '2.0', method: 'notifications/tools/list_changed', params: { _meta: { [sub]: internal } } },
      { jsonrpc: '2.0', method: 'notifications/tools/list_changed', params: { _meta: { [sub]: 'other' } } },
      { jsonrpc: '2.0', id: internal, result: { _meta: { [sub]: internal } } },
    ]);
    const text = await res.text();
    expect(text).toContain(`"params":{"_meta":{"${sub}":5}}`);
    expect(text).not.toContain('"other"');
    expect(text).not.toContain(internal);
    expect(text).toContain(`{"jsonrpc":"2.0","id":5,"result":{"_meta":{"${sub}":5}}}`);
  });

  it('cancels a request whose host closes its POST, and drops what arrives for it later', async () => {
    const { host, got } = await endpoint();
    const controller = new AbortController();
    const res = post(
      host.url,
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 't', arguments: {}, _meta: META } },
      'application/json, text/event-stream',
      controller.signal,
    ).catch(() => 'aborted');
    await until(() => got.length === 1);
    const internal = got[0]?.id as string;
    controller.abort();
    expect(await res).toBe('aborted');
    await until(() => got.length === 2);
    expect(got[1]).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: internal, reason: 'the host closed its request' },
    });
    host.send([{ jsonrpc: '2.0', id: internal, result: {} }]);
  });
});
