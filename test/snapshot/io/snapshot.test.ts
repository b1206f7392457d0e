import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerEntry } from '../../../src/lockfile/index.js';
import { serializeLockfile } from '../../../src/lockfile/index.js';
import { CapsealError } from '../../../src/shared/errors.js';
import { snapshotServer, snapshotServers } from '../../../src/snapshot/io/snapshot.js';
import type { ServerSpec } from '../../../src/snapshot/types.js';
import { freePort, startHttpEverything } from '../http-server.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const fixture = (name: string, env?: Record<string, string>): ServerSpec => ({
  name,
  transport: 'stdio',
  command: process.execPath,
  args: [`fixtures/servers/${name}.mjs`],
  ...(env === undefined ? {} : { env }),
  baseDir: REPO,
});
const npx = (pkg: string, ...args: string[]): ServerSpec => ({
  name: pkg.split('/').pop() as string,
  transport: 'stdio',
  command: 'npx',
  args: ['-y', pkg, ...args],
  baseDir: REPO,
});
const FAST = { startupTimeoutMs: 3000, totalTimeoutMs: 10_000 };

async function failure(promise: Promise<unknown>): Promise<CapsealError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CapsealError) return error;
    throw error;
  }
  throw new Error('expected a CapsealError');
}

const count = (e: ServerEntry) => [
  Object.keys(e.tools).length,
  Object.keys(e.prompts).length,
  Object.keys(e.resources).length,
  Object.keys(e.resourceTemplates).length,
];

describe('snapshotServer', () => {
  describe('with server-everything via npx (installed locally)', () => {
    let first: ServerEntry;
    let second: ServerEntry;
    beforeAll(async () => {
      first = await snapshotServer(npx('@modelcontextprotocol/server-everything'));
      second = await snapshotServer(npx('@modelcontextprotocol/server-everything'));
    });

    it('records all tools (16 for our client declaration), prompts, resources and templates', () => {
      expect(count(first)).toEqual([16, 4, 7, 2]);
      expect(first.tools['get-roots-list']).toBeDefined();
      expect(first.tools['trigger-sampling-request']).toBeDefined();
      expect(first.server).toMatchObject({ name: 'mcp-servers/everything', protocolVersion: '2025-11-25' });
      expect(first.server.instructions).toMatch(/Everything Server/);
      expect(first.client.name).toBe('capseal');
    });

    it('pins the npm artifact with its sha512 integrity', () => {
      expect(first.artifact).toMatchObject({
        kind: 'npm',
        name: '@modelcontextprotocol/server-everything',
        version: '2026.8.31',
        integrity: expect.stringMatching(/^sha512-/),
      });
    });

    it('is deterministic: two snapshots serialize to the same bytes', () => {
      const a = serializeLockfile({ lockfileVersion: 1, servers: { e: first } });
      const b = serializeLockfile({ lockfileVersion: 1, servers: { e: second } });
      expect(a).toBe(b);
    });
  });

  it('records server-filesystem, which has no prompts or resources, as having none, deterministically', async () => {
    const entry = await snapshotServer(npx('@modelcontextprotocol/server-filesystem', '.'));
    expect(count(entry)).toEqual([14, 0, 0, 0]);
    expect(entry.tools.read_text_file).toBeDefined();
    expect(entry.artifact).toMatchObject({ kind: 'npm', name: '@modelcontextprotocol/server-filesystem' });
    const again = await snapshotServer(npx('@modelcontextprotocol/server-filesystem', '.'));
    expect(serializeLockfile({ lockfileVersion: 1, servers: { fs: again } })).toBe(
      serializeLockfile({ lockfileVersion: 1, servers: { fs: entry } }),
    );
  });

  it('follows nextCursor across pages', async () => {
    const entry = await snapshotServer(fixture('paginated-basic'));
    expect(count(entry)).toEqual([7, 5, 5, 3]);
  });

  it('fails clearly when a list needs more pages than the cap', async () => {
    const error = await failure(snapshotServer(fixture('paginated-basic'), { limits: { pageCap: 3 } }));
    expect(error.code).toBe('SERVER_FAILED');
    expect(error.message).toBe(
      'server "paginated-basic" failed: tools/list returned more than 3 pages (pageCap)',
    );
  });

  describe('sandbox', () => {
    let entry: ServerEntry;
    const saved = process.env.GITHUB_TOKEN;
    beforeAll(async () => {
      process.env.GITHUB_TOKEN = 'ghp_must_not_leak';
      entry = await snapshotServer(fixture('env-echo', { MAPPED: 'yes' }));
    });
    afterAll(() => {
      if (saved === undefined) delete process.env.GITHUB_TOKEN;
      else process.env.GITHUB_TOKEN = saved;
    });

    it('never hands the server GITHUB_TOKEN', () => {
      expect(entry.tools.env?.description).toBe('GITHUB_TOKEN=absent');
    });

    it('passes only PATH, a temp HOME and the variables the spec names', () => {
      expect(entry.tools.names?.description).toBe('NAMES=HOME,MAPPED,PATH');
      expect(entry.tools.mapped?.description).toBe('MAPPED=yes');
      expect(entry.tools.home?.description).toMatch(/^HOME=.*capseal-.*\/home$/);
      expect(entry.tools.cwd?.description).toMatch(/^CWD=.*capseal-.*\/work$/);
      expect(entry.sandbox).toEqual({ env: 'allow-list', home: 'temp', cwd: 'temp', network: 'denied' });
      expect(entry.source).toMatchObject({ env: ['MAPPED'] });
    });

    it('records the network as allowed when it is allowed explicitly', async () => {
      const allowed = await snapshotServer(fixture('drifting'), {
        sandbox: { mode: 'strict', network: 'allowed' },
      });
      expect(allowed.sandbox.network).toBe('allowed');
    });
  });

  describe('error fixtures end as SERVER_FAILED naming the server and the cause', () => {
    it.each([
      ['crashing', /^server "crashing" failed: exited early with code 1$/, /cannot open database/],
      ['hanging', /^server "hanging" failed: did not answer initialize within 1000 ms/, /waiting forever/],
      [
        'garbage',
        /^server "garbage" failed: wrote something that is not JSON-RPC to stdout: Server listening/,
        /about to log/,
      ],
      ['flooding', /^server "flooding" failed: wrote a stdout line longer than 1048576 bytes/, /20 MB/],
    ])('%s', async (name, message, stderr) => {
      const error = await failure(
        snapshotServer(fixture(name), {
          limits: { startupTimeoutMs: 1000, totalTimeoutMs: 5000, outputCapBytes: 1024 * 1024 },
        }),
      );
      expect(error.code).toBe('SERVER_FAILED');
      expect(error.message).toMatch(message);
      expect(error.details.join('\n')).toMatch(stderr);
    });

    it('a server that never answers and says nothing on stderr gets told what to check', async () => {
      const silent: ServerSpec = {
        name: 'silent',
        transport: 'stdio',
        command: process.execPath,
        args: ['-e', 'process.stdin.resume(); setInterval(() => {}, 1 << 30)'],
      };
      const error = await failure(
        snapshotServer(silent, { limits: { startupTimeoutMs: 1000, totalTimeoutMs: 5000 } }),
      );
      expect(error.message).toMatch(/did not answer initialize within 1000 ms/);
      expect(error.details).toEqual([
        '(nothing on stderr)',
        expect.stringMatching(/^check: does the command speak MCP over stdio/),
        expect.stringMatching(/^check: does it need the network\? the sandbox denies it \(--network allow/),
        expect.stringMatching(/^check: does it read files outside what the sandbox shows/),
      ]);
    });

    it('a command that does not exist', async () => {
      const error = await failure(
        snapshotServer(
          { name: 'nope', transport: 'stdio', command: 'capseal-no-such-binary', args: [] },
          { limits: FAST },
        ),
      );
      expect(error.message).toMatch(/^server "nope" failed: could not start: .*ENOENT/);
    });

    it('a URL where nothing listens', async () => {
      const port = await freePort();
      const error = await failure(
        snapshotServer(
          { name: 'gone', transport: 'streamable-http', url: `http://127.0.0.1:${port}/mcp` },
          { limits: FAST },
        ),
      );
      expect(error.code).toBe('SERVER_FAILED');
      expect(error.message).toMatch(/^server "gone" failed: /);
    });
  });

  describe('over Streamable HTTP (server-everything streamableHttp on 127.0.0.1)', () => {
    let server: ChildProcess;
    let url: string;
    beforeAll(async () => {
      const port = await freePort();
      url = `http://127.0.0.1:${port}/mcp`;
      server = await startHttpEverything(port, 'streamableHttp');
    });
    afterAll(() => {
      server.kill('SIGKILL');
    });

    it('records the same surface as over stdio, and a remote artifact', async () => {
      const entry = await snapshotServer({ name: 'http', transport: 'streamable-http', url });
      expect(count(entry)).toEqual([16, 4, 7, 2]);
      expect(entry.artifact).toEqual({ kind: 'remote', url });
      expect(entry.sandbox.network).toBe('not-applicable');
      const again = await snapshotServer({ name: 'http', transport: 'streamable-http', url });
      expect(serializeLockfile({ lockfileVersion: 1, servers: { h: again } })).toBe(
        serializeLockfile({ lockfileVersion: 1, servers: { h: entry } }),
      );
    });
  });
});

describe('snapshotServers', () => {
  it('snapshots several servers keyed by name', async () => {
    const servers = await snapshotServers([fixture('drifting'), fixture('paginated-basic')]);
    expect(Object.keys(servers)).toEqual(['drifting', 'paginated-basic']);
  });

  it('refuses two servers with one name', async () => {
    const error = await failure(snapshotServers([fixture('drifting'), fixture('drifting')]));
    expect(error.code).toBe('USAGE');
  });
});
