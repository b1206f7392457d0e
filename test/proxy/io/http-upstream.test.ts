import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseLockfile,
  type ServerEntry,
  sealEntry,
  serializeLockfile,
} from '../../../src/lockfile/index.js';
import { BLOCKED_CODE, SERVER_GONE_CODE } from '../../../src/proxy/index.js';
import { runCli } from '../../helpers/cli.js';
import { freePort, startHttpEverything } from '../../snapshot/http-server.js';
import {
  connectThroughProxy,
  listenThroughProxy,
  type ProxiedClient,
  parseAudit,
  RawProxy,
  rejection,
} from '../helpers.js';

// A real SDK Client → `capseal proxy --lock … [--url …]` (stdio) → server-everything over HTTP on a free
// loopback port, locked with the real `capseal lock --url`.
const servers: ChildProcess[] = [];
const open: ProxiedClient[] = [];

async function serve(mode: 'streamableHttp' | 'sse'): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = await startHttpEverything(port, mode);
  servers.push(child);
  return { url: `http://127.0.0.1:${port}/${mode === 'sse' ? 'sse' : 'mcp'}`, child };
}

async function lockUrl(url: string, extra: string[] = []): Promise<{ dir: string; lockPath: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'capseal-proxy-http-'));
  const lockPath = join(dir, 'mcp-lock.json');
  const r = await runCli(['lock', '--url', url, '--server', 'everything', '--out', lockPath, ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return { dir, lockPath };
}

async function connect(args: string[]): Promise<ProxiedClient> {
  const c = await connectThroughProxy(args, undefined);
  open.push(c);
  return c;
}

type Locked = { url: string; child: ChildProcess; lockPath: string; dir: string };
let http: Locked;
/** A second server, killed by the server-gone test. */
let doomed: Locked;
let sse: Locked;

async function serveLocked(mode: 'streamableHttp' | 'sse'): Promise<Locked> {
  const server = await serve(mode);
  return { ...server, ...(await lockUrl(server.url, mode === 'sse' ? ['--transport', 'sse'] : [])) };
}

beforeAll(async () => {
  [http, doomed, sse] = await Promise.all([
    serveLocked('streamableHttp'),
    serveLocked('streamableHttp'),
    serveLocked('sse'),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((c) => c.client.close()));
  for (const s of servers) s.kill('SIGKILL');
});

describe('capseal proxy in front of a Streamable HTTP server', () => {
  it('lists only entries whose digest matches the lock and forwards calls to them', async () => {
    // Lock a different get-sum (re-sealed, so the lockfile is valid): the live one no longer matches its
    // digest, so it must be hidden and blocked.
    const lock = parseLockfile(await readFile(http.lockPath, 'utf8'));
    const entry = lock.servers.everything as ServerEntry;
    const tools = entry.tools;
    const sum = tools['get-sum'] as ServerEntry['tools'][string];
    tools['get-sum'] = sealEntry('tools', 'get-sum', { ...sum, description: 'Adds two numbers.' });
    const tampered = join(http.dir, 'tampered.json');
    await writeFile(tampered, serializeLockfile(lock));
    const audit = join(http.dir, 'audit.jsonl');
    const { client } = await connect(['--lock', tampered, '--url', http.url, '--audit-log', audit]);
    const listed = (await client.listTools()).tools.map((t) => t.name);
    expect(listed).toContain('echo');
    expect(listed).not.toContain('get-sum');
    for (const name of listed) expect(Object.keys(tools)).toContain(name);
    const r = await client.callTool({ name: 'echo', arguments: { message: 'over http' } });
    expect(r.content).toEqual([{ type: 'text', text: 'Echo: over http' }]);
    const blocked = await rejection(client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }));
    expect(blocked.code).toBe(BLOCKED_CODE);
    expect(blocked.data).toMatchObject({ kind: 'changed', target: 'get-sum' });
    const unlisted = await rejection(client.callTool({ name: 'exec_shell', arguments: {} }));
    expect(unlisted.code).toBe(BLOCKED_CODE);
    expect(unlisted.data).toMatchObject({ kind: 'not-locked', target: 'exec_shell' });
    await client.close();
    const records = parseAudit(await readFile(audit, 'utf8'));
    expect(records.filter((x) => x.decision === 'block').map((x) => x.target)).toEqual([
      'get-sum',
      'exec_shell',
    ]);
  });

  it('reaches the URL the lockfile records when no server source is given', async () => {
    const { client, stderr } = await connect(['--lock', http.lockPath]);
    const r = await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } });
    expect(JSON.stringify(r.content)).toMatch(/5/);
    expect(stderr()).toMatch(/artifact verified: remote server http:\/\/127\.0\.0\.1/);
  });

  it('refuses a URL other than the locked one before connecting (exit 1)', async () => {
    const other = http.url.replace(/:(\d+)\//, (_m, p) => `:${Number(p) + 1}/`);
    const r = await runCli(['proxy', '--lock', http.lockPath, '--url', other], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/artifact\.url: connecting to .*, lockfile pins http:\/\/127\.0\.0\.1/);
  });

  it('refuses --env for a URL server and --header for a stdio one (exit 2)', async () => {
    const env = await runCli(['proxy', '--lock', http.lockPath, '--env', 'HOME']);
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/--env applies to a stdio server only/);
    const header = await runCli(['proxy', '--lock', http.lockPath, '--header', 'X: y', '--', 'node']);
    expect(header.code).toBe(2);
    expect(header.stderr).toMatch(/--header apply to a server reached by URL only/);
  });

  it('sends --header values, and answers a request the server fails over HTTP with -32603', async () => {
    // A recording endpoint stands in for the server at a URL this lockfile pins: it refuses with HTTP 500.
    const seen: string[] = [];
    const recorder = createServer((req, res) => {
      seen.push(String(req.headers['x-api-key']));
      req.resume();
      res.writeHead(500).end('boom');
    });
    await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
    const address = recorder.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/mcp`;
    const lock = parseLockfile(await readFile(http.lockPath, 'utf8'));
    const entry = lock.servers.everything as ServerEntry;
    entry.source = { transport: 'streamable-http', url, headers: ['X-Api-Key'] };
    entry.artifact = { kind: 'remote', url };
    const lockPath = join(http.dir, 'recorder.json');
    await writeFile(lockPath, serializeLockfile(lock));
    const raw = new RawProxy(['--lock', lockPath, '--header', 'X-Api-Key: k1'], []);
    try {
      raw.send({
        jsonrpc: '2.0',
        id: 'init',
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      });
      const answer = await raw.waitFor((m) => m.id === 'init');
      expect(answer.error).toMatchObject({
        code: -32603,
        message: expect.stringMatching(/HTTP error.*500|boom/),
      });
      expect(seen).toEqual(['k1']);
    } finally {
      raw.close();
      await raw.exit;
      recorder.close();
    }
  });

  it('puts an HTTP host in front of the HTTP server with --listen', async () => {
    const proxy = await listenThroughProxy(['--lock', http.lockPath, '--url', http.url, '--listen', '0']);
    const transport = new StreamableHTTPClientTransport(new URL(proxy.url), { requestInit: proxy.auth });
    const client = new Client({ name: 'http-to-http', version: '1.0.0' });
    try {
      await client.connect(transport);
      const r = await client.callTool({ name: 'echo', arguments: { message: 'both sides http' } });
      expect(r.content).toEqual([{ type: 'text', text: 'Echo: both sides http' }]);
      expect((await rejection(client.callTool({ name: 'nope', arguments: {} }))).code).toBe(BLOCKED_CODE);
      await transport.terminateSession();
      expect(await proxy.exit).toBe(0);
    } finally {
      await client.close();
      proxy.kill();
    }
  });

  it('answers pending requests with SERVER_GONE_CODE and exits 3 when the server goes away', async () => {
    const { url, child, lockPath } = doomed;
    const raw = new RawProxy(['--lock', lockPath, '--url', url], []);
    await raw.initialize();
    raw.send({ jsonrpc: '2.0', id: 'list', method: 'tools/list' });
    await raw.waitFor((m) => m.id === 'list');
    raw.send({
      jsonrpc: '2.0',
      id: 'long',
      method: 'tools/call',
      params: {
        name: 'trigger-long-running-operation',
        arguments: { duration: 20, steps: 20 },
        _meta: { progressToken: 'p' },
      },
    });
    // The call is on the server once its first progress notification comes back.
    await raw.waitFor((m) => m.method === 'notifications/progress');
    child.kill('SIGKILL');
    const answer = await raw.waitFor((m) => m.id === 'long');
    expect(answer.error).toMatchObject({
      code: SERVER_GONE_CODE,
      data: { server: 'everything', reason: expect.stringMatching(/unreachable/) },
    });
    expect(await raw.exit).toBe(3);
  });
});

describe('capseal proxy in front of a legacy SSE server', () => {
  it('forwards verified calls and blocks unlisted ones', async () => {
    const { client } = await connect(['--lock', sse.lockPath]);
    const r = await client.callTool({ name: 'echo', arguments: { message: 'over sse' } });
    expect(r.content).toEqual([{ type: 'text', text: 'Echo: over sse' }]);
    expect((await rejection(client.callTool({ name: 'nope', arguments: {} }))).code).toBe(BLOCKED_CODE);
  });

  it('exits 3 when the SSE server goes away', async () => {
    const raw = new RawProxy(['--lock', sse.lockPath], []);
    await raw.initialize();
    sse.child.kill('SIGKILL');
    expect(await raw.exit).toBe(3);
    expect(raw.stderr).toMatch(/server unreachable at http:\/\/127\.0\.0\.1:\d+\/sse/);
  });
});
