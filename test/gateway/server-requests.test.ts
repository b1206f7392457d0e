import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  LoggingMessageNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/io/index.js';
import { snapshotServer } from '../../src/snapshot/io/snapshot.js';
import { REPO } from '../helpers/v2-fixtures.js';
import { startGateway, writeGatewayDir } from './helpers.js';

// Server→client messages through the gateway: the conformance target (a real SDK server over Streamable
// HTTP) asks for sampling and logs while a tool runs. They reach the client whose call is the upstream's
// only request in flight, when it declared the capability; with two in flight nobody gets them.
let target: ChildProcess;
let gw: RunningGateway;
const open: Client[] = [];

beforeAll(async () => {
  target = spawn(process.execPath, [join(REPO, 'fixtures/servers/conformance-target.mjs')], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    target.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\S+)/.exec(err);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    target.once('exit', () => reject(new Error(err)));
  });
  const entry = await snapshotServer({ name: 'target', transport: 'streamable-http', url });
  const config = await writeGatewayDir('capseal-gateway-sr-', { target: entry });
  gw = await startGateway(config);
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((c) => c.close().catch(() => {})));
  await gw?.close();
  target?.kill('SIGKILL');
});

async function connect(sampling: boolean): Promise<{ client: Client; asked: string[]; logs: unknown[] }> {
  const client = new Client(
    { name: 'gw-sr', version: '1.0.0' },
    { capabilities: sampling ? { sampling: {} } : {} },
  );
  const asked: string[] = [];
  const logs: unknown[] = [];
  if (sampling)
    client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
      asked.push(JSON.stringify(req.params.messages));
      return { role: 'assistant', model: 'test', content: { type: 'text', text: 'sampled by the client' } };
    });
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    logs.push(n.params.data);
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
  open.push(client);
  return { client, asked, logs };
}

const outcome = (p: Promise<unknown>) => p.then(JSON.stringify, (e: unknown) => String(e));

describe('server→client messages through the gateway', () => {
  it('relays sampling to the calling client and its answer back to the upstream', async () => {
    const a = await connect(true);
    const r = await a.client.callTool({ name: 'target__test_sampling', arguments: { prompt: 'hello' } });
    expect(JSON.stringify(r)).toContain('LLM response: sampled by the client');
    expect(a.asked).toEqual([expect.stringContaining('hello')]);
  });

  it('refuses sampling to a client that did not declare it', async () => {
    const b = await connect(false);
    const r = await outcome(b.client.callTool({ name: 'target__test_sampling', arguments: { prompt: 'x' } }));
    expect(r).toMatch(/did not declare sampling/);
  });

  it('delivers log messages on the calling request', async () => {
    const c = await connect(false);
    await c.client.callTool({ name: 'target__test_tool_with_logging', arguments: {} });
    expect(c.logs).toEqual(['Tool execution started', 'Tool processing data', 'Tool execution completed']);
  });

  it('relays nothing while another client has a request in flight on the same upstream', async () => {
    const [slow, asker] = await Promise.all([connect(true), connect(true)]);
    const running = slow.client.callTool({ name: 'target__test_tool_with_logging', arguments: {} });
    await new Promise((r) => setTimeout(r, 20));
    const r = await outcome(
      asker.client.callTool({ name: 'target__test_sampling', arguments: { prompt: 'y' } }),
    );
    await running;
    expect(r).toMatch(/not relayed to clients/);
    expect([...slow.asked, ...asker.asked]).toEqual([]);
    expect(asker.logs).toEqual([]);
  });
});
