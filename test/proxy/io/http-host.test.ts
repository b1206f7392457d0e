import { request } from 'node:http';
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
    const transport = new StreamableHTTPClientTransport(new URL(proxy.url));
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
    await expect(second.connect(new StreamableHTTPClientTransport(new URL(proxy.url)))).rejects.toThrow();
    // Requests naming another Host or a foreign Origin (DNS rebinding from a browser) are refused.
    const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    expect(await post(proxy.url, { ...json, host: 'evil.example' })).toBe(403);
    expect(await post(proxy.url, { ...json, origin: 'http://evil.example' })).toBe(403);
    // Ending the HTTP session ends the proxy like a stdio host hanging up.
    await transport.terminateSession();
    await client.close();
    expect(await proxy.exit).toBe(0);
  });

  it('refuses a non-loopback bind without --listen-any, before starting the server (exit 2)', async () => {
    const r = await runCli(['proxy', '--lock', lockPath, '--listen', '0.0.0.0:0', '--', node, DRIFTING]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/0\.0\.0\.0 is not a loopback address/);
    expect(r.stderr).not.toMatch(/listening on/);
  });
});
