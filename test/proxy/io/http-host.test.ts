import { mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { BLOCKED_CODE } from '../../../src/proxy/index.js';
import { isLoopback, parseListenAddress } from '../../../src/proxy/io/http-host.js';
import { CapsealError } from '../../../src/shared/errors.js';
import { runCli } from '../../helpers/cli.js';
import { fixture, listenThroughProxy, lockServer } from '../helpers.js';

// A real SDK Client over Streamable HTTP → `capseal proxy --listen 127.0.0.1:0` → a stdio fixture server.
const node = process.execPath;
const DRIFTING = fixture('proxy-drifting.mjs');
let lockPath: string;

function post(url: string, headers: Record<string, string>): Promise<number | undefined> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers },
      (res) => {
        res.resume();
        resolve(res.statusCode);
      },
    );
    req.once('error', reject);
    req.end('{}');
  });
}

beforeAll(async () => {
  ({ lockPath } = await lockServer('drifting', [node, DRIFTING]));
}, 60_000);

describe('parseListenAddress', () => {
  it.each([
    ['0', { host: '127.0.0.1', port: 0 }],
    ['8931', { host: '127.0.0.1', port: 8931 }],
    ['127.0.0.1:8931', { host: '127.0.0.1', port: 8931 }],
    ['localhost:1', { host: 'localhost', port: 1 }],
    ['[::1]:8931', { host: '::1', port: 8931 }],
  ])('reads %s', (text, expected) => {
    expect(parseListenAddress(text, false)).toEqual(expected);
  });

  it('refuses non-loopback binds unless allowed, and malformed addresses', () => {
    for (const text of ['0.0.0.0:8931', '192.168.1.5:80', '[::]:80', 'example.com:80']) {
      expect(() => parseListenAddress(text, false)).toThrow(/not a loopback address/);
    }
    expect(parseListenAddress('0.0.0.0:8931', true)).toEqual({ host: '0.0.0.0', port: 8931 });
    for (const text of ['', 'x', '1:2:3', '127.0.0.1:99999', ':80']) {
      expect(() => parseListenAddress(text, false)).toThrow(CapsealError);
    }
    expect(isLoopback('127.8.9.10')).toBe(true);
  });
});

describe('capseal proxy --listen', () => {
  it('serves one Streamable HTTP session with the same verification, including server notifications', async () => {
    const proxy = await listenThroughProxy([
      '--lock',
      lockPath,
      '--listen',
      '127.0.0.1:0',
      '--',
      node,
      DRIFTING,
    ]);
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const transport = new StreamableHTTPClientTransport(new URL(proxy.url), { requestInit: proxy.auth });
    const client = new Client({ name: 'http-host-test', version: '1.0.0' });
    await client.connect(transport);
    const changed = new Promise<void>((r) =>
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => r()),
    );
    await client.callTool({ name: 'read_file', arguments: { path: 'a' } });
    const r = await client.callTool({ name: 'read_file', arguments: { path: 'b' } });
    expect(r.content).toEqual([{ type: 'text', text: 'read_file ran (call 2)' }]);
    // list_changed arrives on the host's GET event stream; the drifted tool stays hidden and blocked.
    await changed;
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['read_file']);
    const error = await client.callTool({ name: 'exec_shell', arguments: { command: 'id' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(BLOCKED_CODE);
    // A second session is refused: the proxy serves one host.
    const second = new Client({ name: 'second', version: '1.0.0' });
    await expect(
      second.connect(new StreamableHTTPClientTransport(new URL(proxy.url), { requestInit: proxy.auth })),
    ).rejects.toThrow();
    // Requests naming another Host or a foreign Origin (DNS rebinding from a browser) are refused, and so
    // is any request without the bearer token or with another one.
    const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    expect(await post(proxy.url, { ...json, ...proxy.auth.headers, host: 'evil.example' })).toBe(403);
    expect(await post(proxy.url, { ...json, ...proxy.auth.headers, origin: 'http://evil.example' })).toBe(
      403,
    );
    expect(await post(proxy.url, json)).toBe(401);
    expect(await post(proxy.url, { ...json, authorization: `Bearer ${proxy.token}x` })).toBe(401);
    expect(await post(proxy.url, { ...json, authorization: `Basic ${proxy.token}` })).toBe(401);
    // Ending the HTTP session ends the proxy like a stdio host hanging up.
    await transport.terminateSession();
    await client.close();
    expect(await proxy.exit).toBe(0);
  });

  it('a client without the token cannot take the session; one with a --listen-token-file token can', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'capseal-token-'));
    const file = join(dir, 'token');
    await writeFile(file, 'a-token-of-at-least-16-chars\n');
    const proxy = await listenThroughProxy([
      '--lock',
      lockPath,
      '--listen',
      '0',
      '--listen-token-file',
      file,
      '--',
      node,
      DRIFTING,
    ]);
    expect(proxy.stderr()).not.toMatch(/listen token/);
    const thief = new Client({ name: 'thief', version: '1.0.0' });
    await expect(thief.connect(new StreamableHTTPClientTransport(new URL(proxy.url)))).rejects.toThrow();
    const transport = new StreamableHTTPClientTransport(new URL(proxy.url), {
      requestInit: { headers: { authorization: 'Bearer a-token-of-at-least-16-chars' } },
    });
    const client = new Client({ name: 'owner', version: '1.0.0' });
    await client.connect(transport);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('read_file');
    await transport.terminateSession();
    await client.close();
    expect(await proxy.exit).toBe(0);
  });

  it('with --listen-any keeps the Host/Origin checks against an explicit allow-list', async () => {
    const refused = await runCli([
      'proxy',
      '--lock',
      lockPath,
      '--listen',
      '0.0.0.0:0',
      '--listen-any',
      '--',
      node,
      DRIFTING,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--listen-allow-host/);
    const proxy = await listenThroughProxy([
      '--lock',
      lockPath,
      '--listen',
      '0.0.0.0:0',
      '--listen-any',
      '--listen-allow-host',
      'proxy.test',
      '--',
      node,
      DRIFTING,
    ]);
    const port = new URL(proxy.url).port;
    const url = `http://127.0.0.1:${port}/mcp`;
    const json = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...proxy.auth.headers,
    };
    expect(await post(url, { ...json, host: `127.0.0.1:${port}` })).toBe(403);
    expect(await post(url, { ...json, host: `evil.example:${port}` })).toBe(403);
    expect(await post(url, { ...json, host: `proxy.test:${port}`, origin: 'http://evil.example' })).toBe(403);
    // Allowed Host and Origin: through to the MCP transport (which answers the non-initialize body itself).
    expect(
      await post(url, { ...json, host: `proxy.test:${port}`, origin: `http://proxy.test:${port}` }),
    ).not.toBe(403);
    proxy.kill();
  });

  it('refuses a non-loopback bind without --listen-any, before starting the server (exit 2)', async () => {
    const r = await runCli(['proxy', '--lock', lockPath, '--listen', '0.0.0.0:0', '--', node, DRIFTING]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/0\.0\.0\.0 is not a loopback address/);
    expect(r.stderr).not.toMatch(/listening on/);
  });
});
