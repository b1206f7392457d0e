import type { ChildProcess } from 'node:child_process';
import {
  Client as V2Client,
  StreamableHTTPClientTransport as V2HttpTransport,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareGateway } from '../../src/engine/index.js';
import { type RunningGateway, runGateway } from '../../src/gateway/io/index.js';
import { BLOCKED_CODE } from '../../src/proxy/index.js';
import { silentLogger } from '../../src/shared/index.js';
import { snapshotServer } from '../../src/snapshot/io/snapshot.js';
import { startV2Http } from '../helpers/v2-fixtures.js';
import { rejection, writeGatewayDir } from './helpers.js';

// An upstream locked as 2026-07-28 only (SDK v2 modern-only fixture over HTTP): the gateway speaks that
// generation to it (server/discover, a per-request envelope) and serves it to a 2025 client.
let server: { url: string; child: ChildProcess };
let headers: { url: string; child: ChildProcess };
let changing: { url: string; child: ChildProcess };
let gw: RunningGateway;

beforeAll(async () => {
  server = await startV2Http('modern-only');
  headers = await startV2Http('headers', { V2_GENERATIONS: 'modern' });
  changing = await startV2Http('changing');
  const entry = await snapshotServer({ name: 'weather', transport: 'streamable-http', url: server.url });
  const q = await snapshotServer({ name: 'q', transport: 'streamable-http', url: headers.url });
  const chg = await snapshotServer({ name: 'chg', transport: 'streamable-http', url: changing.url });
  const configPath = await writeGatewayDir('capseal-gateway-modern-', { weather: entry, q, chg });
  const prepare = () => prepareGateway({ configPath, env: process.env, logger: silentLogger });
  gw = await runGateway({ prepare, prepared: await prepare(), env: process.env, logger: silentLogger });
}, 60_000);

afterAll(async () => {
  await gw?.close();
  server?.child.kill('SIGKILL');
  headers?.child.kill('SIGKILL');
  changing?.child.kill('SIGKILL');
});

describe('a 2026-07-28-only upstream behind the gateway', () => {
  it('is verified, listed and called for a 2025 client; unlocked tools stay blocked', async () => {
    expect(gw.ready()).toBe(true);
    const c = new Client({ name: 'gw-modern-upstream', version: '1.0.0' });
    await c.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
    expect((await c.listTools()).tools.map((t) => t.name)).toEqual([
      'chg__bump',
      'q__run_query',
      'weather__get_weather',
    ]);
    const r = await c.callTool({ name: 'weather__get_weather', arguments: { city: 'Oslo' } });
    expect(JSON.stringify(r.content)).toContain('called get_weather');
    const blocked = await rejection(c.callTool({ name: 'weather__exec_shell', arguments: {} }));
    expect(blocked.code).toBe(BLOCKED_CODE);
    await c.close();
  }, 30_000);
});

describe('Mcp-Param-* headers (x-mcp-header) through the gateway', () => {
  it('are checked against the locked declarations on the way in and recomputed on the way out', async () => {
    const c = new V2Client(
      { name: 'gw-params', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } as never },
    );
    await c.connect(new V2HttpTransport(new URL(gw.url)));
    await c.listTools();
    const r = await c.callTool({
      name: 'q__run_query',
      arguments: { region: 'eu', priority: 2, query: 'x' },
    });
    const text = JSON.stringify(r.content).replace(/\\"/g, '"');
    expect(text).toContain('headers {"mcp-param-priority":"2","mcp-param-region":"eu"}');
    await c.close();
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const post = (given: Record<string, string>) =>
      fetch(gw.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': 'q__run_query',
          ...given,
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 9,
          method: 'tools/call',
          params: { name: 'q__run_query', arguments: { region: 'eu', query: 'x' }, _meta: meta },
        }),
      });
    const cases: Record<string, string>[] = [
      {},
      { 'mcp-param-region': 'us' },
      { 'mcp-param-region': 'eu', 'mcp-param-x': '1' },
    ];
    for (const given of cases) {
      const res = await post(given);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ id: 9, error: { code: -32020 } });
    }
    const ok = await post({ 'mcp-param-region': 'eu' });
    expect(ok.status).toBe(200);
    expect(JSON.stringify(await ok.json())).toContain('called run_query');
  }, 30_000);
});

describe('change notifications of a 2026-07-28-only upstream', () => {
  it('reach a 2025 client: the gateway keeps a subscriptions/listen open to the upstream', async () => {
    const c = new Client({ name: 'gw-modern-changes', version: '1.0.0' });
    let changed = 0;
    c.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed += 1;
    });
    await c.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
    await c.listTools();
    // The client's event stream opens on its own schedule: announce again until it has heard one.
    for (let i = 0; i < 20 && changed === 0; i++) {
      const r = await c.callTool({ name: 'chg__bump', arguments: {} });
      expect(JSON.stringify(r.content)).toContain('bumped');
      for (let j = 0; j < 10 && changed === 0; j++) await new Promise((res) => setTimeout(res, 50));
    }
    expect(changed).toBeGreaterThan(0);
    // Re-verified after the change and still as locked: still listed and callable.
    expect((await c.listTools()).tools.map((t) => t.name)).toContain('chg__bump');
    await c.close();
  }, 30_000);
});
