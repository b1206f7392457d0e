import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/io/index.js';
import { rejection } from './helpers.js';
import { startNotifierGateway } from './notifier.js';

// Legacy sessions expire when idle (sessions.idleMs): a request or an answer still being written keeps
// one alive; an expired session id is 404 and the client initializes again.
let gw: RunningGateway;
const open: Client[] = [];
const IDLE = 400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  gw = await startNotifierGateway(`sessions: { idleMs: ${IDLE} }`);
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((c) => c.close().catch(() => {})));
  await gw?.close();
});

async function connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'gw-idle', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(gw.url));
  await client.connect(transport);
  open.push(client);
  return { client, transport };
}

const echo = (c: Client, text: string) => c.callTool({ name: 'n__echo', arguments: { text } });

/** What the gateway answers a request on this session id now. */
const statusOf = async (sessionId: string) =>
  (
    await fetch(gw.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    })
  ).status;

describe('legacy session idle timeout', () => {
  it('keeps a session that keeps sending requests', async () => {
    const { client } = await connect();
    for (let i = 0; i < 6; i++) {
      await sleep(IDLE / 2);
      expect((await echo(client, `t${i}`)).content).toEqual([
        { type: 'text', text: `echo: {"text":"t${i}"}` },
      ]);
    }
  }, 20_000);

  it('keeps a session while one of its answers is still being written', async () => {
    const { client } = await connect();
    const slow = await client.callTool({ name: 'n__slow', arguments: { ms: IDLE * 3 } });
    expect(slow.isError).not.toBe(true);
    expect((await echo(client, 'after')).content).toEqual([{ type: 'text', text: 'echo: {"text":"after"}' }]);
  }, 20_000);

  it('closes an idle session: its id is 404 and a new initialize gets a fresh session', async () => {
    const { client, transport } = await connect();
    await echo(client, 'before');
    const id = transport.sessionId as string;
    expect(await statusOf(id)).toBe(200);
    const sessionsBefore = gw.sessions();
    await sleep(IDLE * 3);
    expect(await statusOf(id)).toBe(404);
    expect(gw.sessions()).toBeLessThan(sessionsBefore);
    const err = await rejection(echo(client, 'late'));
    expect(String((err as unknown as Error).message)).toMatch(/404|Session not found/);
    const again = await connect();
    expect(again.transport.sessionId).not.toBe(id);
    expect((await echo(again.client, 'again')).content).toEqual([
      { type: 'text', text: 'echo: {"text":"again"}' },
    ]);
  }, 20_000);
});
