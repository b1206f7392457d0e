import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeLockfile } from '../../src/lockfile/index.js';
import { BLOCKED_CODE } from '../../src/proxy/index.js';
import { snapshotServer } from '../../src/snapshot/io/snapshot.js';
import { cliArgv, REPO } from '../helpers/cli.js';
import { startV2Http } from '../helpers/v2-fixtures.js';

// `capseal proxy --url` in front of SDK v2 Streamable HTTP servers: a 2026-07-28 client's stateless POSTs
// and a 2025 client's session, through the same proxy code, to a modern-only and a dual server.
const servers: { url: string; child: ChildProcess }[] = [];
const locks: Record<string, { url: string; lockPath: string }> = {};
const open: Client[] = [];

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'capseal-proxy-2026-http-'));
  for (const name of ['modern-only', 'dual']) {
    const server = await startV2Http(name);
    servers.push(server);
    const entry = await snapshotServer({ name, transport: 'streamable-http', url: server.url });
    const lockPath = join(dir, `${name}.json`);
    await writeFile(lockPath, serializeLockfile({ lockfileVersion: 2, servers: { [name]: entry } }));
    locks[name] = { url: server.url, lockPath };
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((c) => c.close().catch(() => {})));
  for (const s of servers) s.child.kill('SIGKILL');
});

async function through(name: string, negotiation: unknown): Promise<Client> {
  const lock = locks[name] as { url: string; lockPath: string };
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...cliArgv(), 'proxy', '--lock', lock.lockPath, '--url', lock.url],
    cwd: REPO,
    stderr: 'pipe',
  });
  const client = new Client(
    { name: 'proxy-2026-http-test', version: '1.0.0' },
    { versionNegotiation: negotiation as never },
  );
  await client.connect(transport);
  open.push(client);
  return client;
}

describe('capseal proxy --url to a Streamable HTTP server of the SDK v2', () => {
  it('reaches a modern-only server for a pinned 2026-07-28 client: lists filtered, locked calls served', async () => {
    const client = await through('modern-only', { mode: { pin: '2026-07-28' } });
    expect(client.getInstructions()).toBe('A modern-only server.');
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['get_weather']);
    const result = await client.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
    expect(JSON.stringify(result.content)).toContain('called get_weather');
    const error = await client.callTool({ name: 'exec_shell', arguments: {} }).then(
      () => undefined,
      (e: unknown) => e as { code: number },
    );
    expect(error?.code).toBe(BLOCKED_CODE);
  }, 60_000);

  it('serves a 2025 client of a dual server in its session through the same proxy code', async () => {
    const client = await through('dual', { mode: 'legacy' });
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['list_dir', 'read_file']);
    const result = await client.callTool({ name: 'read_file', arguments: { path: 'a' } });
    expect(JSON.stringify(result.content)).toContain('called read_file');
  }, 60_000);
});
