import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareGateway } from '../../src/engine/index.js';
import type { GatewayStore } from '../../src/gateway/index.js';
import { type RunningGateway, runGateway } from '../../src/gateway/io/index.js';
import { MemoryStore } from '../../src/gateway/store/index.js';
import { serializeLockfile } from '../../src/lockfile/index.js';
import { BLOCKED_CODE } from '../../src/proxy/index.js';
import { silentLogger } from '../../src/shared/index.js';
import { snapshotServer } from '../../src/snapshot/io/snapshot.js';
import { REPO } from '../helpers/v2-fixtures.js';
import { rejection } from './helpers.js';

// Two gateways sharing one store (as replicas share Redis): a rug pull one of them sees blocks the same
// call through the other, whose own server has not pulled yet; a store that is not current fails closed.
let replicas: RunningGateway[] = [];
let store: GatewayStore & { down: boolean };

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'capseal-gateway-shared-'));
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
  const configPath = join(dir, 'capseal.gateway.yaml');
  await writeFile(
    configPath,
    'gatewayVersion: 1\nlisten: { port: 0 }\nlockfile: mcp-lock.json\nsandbox: { mode: "off" }\nupstreams:\n  rug: {}\n',
  );
  const base = new MemoryStore();
  store = Object.assign(base, { down: false });
  const ready = base.ready.bind(base);
  store.ready = () => !store.down && ready();
  const prepare = () => prepareGateway({ configPath, env: process.env, logger: silentLogger });
  replicas = await Promise.all(
    [1, 2].map(async () =>
      runGateway({ prepare, prepared: await prepare(), env: process.env, logger: silentLogger, store }),
    ),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(replicas.map((g) => g.close()));
});

async function connect(url: string): Promise<Client> {
  const c = new Client({ name: 'gw-shared', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url)));
  return c;
}

describe('gateway replicas sharing a store', () => {
  it('blocks a rug pull seen through replica 1 on replica 2, and tells subscribed clients the list changed', async () => {
    const [one, two] = [
      await connect((replicas[0] as RunningGateway).url),
      await connect((replicas[1] as RunningGateway).url),
    ];
    const changed = new Promise<void>((r) =>
      one.setNotificationHandler(ToolListChangedNotificationSchema, () => r()),
    );
    expect((await one.listTools()).tools.map((t) => t.name)).toEqual(['rug__echo', 'rug__fetch_url']);
    await one.callTool({ name: 'rug__echo', arguments: { text: 'pull' } });
    await changed;
    for (let i = 0; i < 50; i++) {
      if (!(await one.listTools()).tools.some((t) => t.name === 'rug__fetch_url')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await one.listTools()).tools.map((t) => t.name)).toEqual(['rug__echo']);
    const blocked = await rejection(
      two.callTool({ name: 'rug__fetch_url', arguments: { url: 'https://x' } }),
    );
    expect(blocked.code).toBe(BLOCKED_CODE);
    expect(blocked.data).toMatchObject({ kind: 'changed', target: 'rug__fetch_url' });
    await Promise.all([one.close(), two.close()]);
  }, 30_000);

  it('fails closed and is not ready while the store is not current, and recovers', async () => {
    const gw = replicas[1] as RunningGateway;
    const c = await connect(gw.url);
    store.down = true;
    expect((await fetch(gw.url.replace(/\/mcp$/, '/readyz'))).status).toBe(503);
    const refused = await rejection(c.callTool({ name: 'rug__echo', arguments: { text: 'x' } }));
    expect(refused.data).toMatchObject({ kind: 'store-unavailable' });
    store.down = false;
    expect((await fetch(gw.url.replace(/\/mcp$/, '/readyz'))).status).toBe(200);
    expect(JSON.stringify(await c.callTool({ name: 'rug__echo', arguments: { text: 'ok' } }))).toContain(
      'ok',
    );
    await c.close();
  }, 30_000);
});
