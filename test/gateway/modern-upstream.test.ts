import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareGateway } from '../../src/engine/index.js';
import { type RunningGateway, runGateway } from '../../src/gateway/io/index.js';
import { serializeLockfile } from '../../src/lockfile/index.js';
import { BLOCKED_CODE } from '../../src/proxy/index.js';
import { silentLogger } from '../../src/shared/index.js';
import { snapshotServer } from '../../src/snapshot/io/snapshot.js';
import { startV2Http } from '../helpers/v2-fixtures.js';
import { rejection } from './helpers.js';

// An upstream locked as 2026-07-28 only (SDK v2 modern-only fixture over HTTP): the gateway speaks that
// generation to it (server/discover, a per-request envelope) and serves it to a 2025 client.
let server: { url: string; child: ChildProcess };
let gw: RunningGateway;

beforeAll(async () => {
  server = await startV2Http('modern-only');
  const dir = await mkdtemp(join(tmpdir(), 'capseal-gateway-modern-'));
  const entry = await snapshotServer({ name: 'weather', transport: 'streamable-http', url: server.url });
  await writeFile(
    join(dir, 'mcp-lock.json'),
    serializeLockfile({ lockfileVersion: 2, servers: { weather: entry } }),
  );
  const configPath = join(dir, 'capseal.gateway.yaml');
  await writeFile(
    configPath,
    'gatewayVersion: 1\nlisten: { port: 0 }\nlockfile: mcp-lock.json\nupstreams:\n  weather: {}\n',
  );
  const prepare = () => prepareGateway({ configPath, env: process.env, logger: silentLogger });
  gw = await runGateway({ prepare, prepared: await prepare(), env: process.env, logger: silentLogger });
}, 60_000);

afterAll(async () => {
  await gw?.close();
  server?.child.kill('SIGKILL');
});

describe('a 2026-07-28-only upstream behind the gateway', () => {
  it('is verified, listed and called for a 2025 client; unlocked tools stay blocked', async () => {
    expect(gw.ready()).toBe(true);
    const c = new Client({ name: 'gw-modern-upstream', version: '1.0.0' });
    await c.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
    expect((await c.listTools()).tools.map((t) => t.name)).toEqual(['weather__get_weather']);
    const r = await c.callTool({ name: 'weather__get_weather', arguments: { city: 'Oslo' } });
    expect(JSON.stringify(r.content)).toContain('called get_weather');
    const blocked = await rejection(c.callTool({ name: 'weather__exec_shell', arguments: {} }));
    expect(blocked.code).toBe(BLOCKED_CODE);
    await c.close();
  }, 30_000);
});
