import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeLockfile } from '../../src/lockfile/index.js';
import { BLOCKED_CODE } from '../../src/proxy/index.js';
import { REPO, runCli } from '../helpers/cli.js';
import {
  connectThroughProxy,
  fixture,
  lockServer,
  type ProxiedClient,
  parseAudit,
  RawProxy,
  rejection,
} from '../proxy/helpers.js';

const node = process.execPath;
const EVERYTHING = join(REPO, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const FILESYSTEM = join(REPO, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');
const open: ProxiedClient[] = [];
let echo: Awaited<ReturnType<typeof lockServer>>;
let everything: Awaited<ReturnType<typeof lockServer>>;
let filesystem: Awaited<ReturnType<typeof lockServer>>;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'capseal-fs-root-'));
  await writeFile(join(root, 'a.txt'), 'hello from a');
  [echo, everything, filesystem] = await Promise.all([
    lockServer('echo', [node, fixture('proxy-echo.mjs')]),
    lockServer('everything', [node, EVERYTHING]),
    lockServer('filesystem', [node, FILESYSTEM, root]),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((c) => c.client.close()));
});

async function connect(args: string[], server: string[] | undefined) {
  const c = await connectThroughProxy(args, server);
  open.push(c);
  return c;
}

/** Run the proxy with stdin closed at once: for start-up refusals. */
function runProxy(args: string[]) {
  return runCli(['proxy', ...args], { timeoutMs: 60_000 });
}

describe('capseal proxy', () => {
  describe('refuses to start', () => {
    it('without --lock, or with an unknown mode (exit 2)', async () => {
      expect((await runProxy(['--', node, fixture('proxy-echo.mjs')])).code).toBe(2);
      const bad = await runProxy(['--lock', echo.lockPath, '--mode', 'yolo']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--mode must be one of enforce, filter-only, audit-only/);
    });

    it('when the lockfile is unsigned but a key is required, before spawning anything (exit 1)', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'capseal-proxy-sig-'));
      const keys = await runCli(['keygen', '--private', join(dir, 'k'), '--public', join(dir, 'k.pub')]);
      expect(keys.code).toBe(0);
      const marker = join(dir, 'spawned');
      const r = await runProxy([
        '--lock',
        echo.lockPath,
        '--key',
        join(dir, 'k.pub'),
        '--',
        node,
        '-e',
        `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`,
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^capseal: /m);
      expect(existsSync(marker)).toBe(false);
    });

    it('when the artifact about to run is not the pinned one (exit 1)', async () => {
      const other = ['--', node, fixture('proxy-drifting.mjs')];
      const refused = await runProxy(['--lock', echo.lockPath, ...other]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/launch differs from the lockfile/);
      // Even with the launch change allowed, the pin still has to hold.
      const r = await runProxy(['--lock', echo.lockPath, '--allow-launch-change', ...other]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/not the artifact the lockfile pins/);
      expect(r.stderr).toMatch(/artifact\.sha256/);
    });

    it('when a multi-server lockfile is given without --server (exit 2)', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'capseal-proxy-multi-'));
      const path = join(dir, 'mcp-lock.json');
      await writeFile(
        path,
        serializeLockfile({ lockfileVersion: 1, servers: { a: echo.entry, b: everything.entry } }),
      );
      const r = await runProxy(['--lock', path]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/pick one with --server/);
    });
  });

  it('starts a signed lockfile and launches the server the lockfile records when no command is given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'capseal-proxy-signed-'));
    const lockPath = join(dir, 'mcp-lock.json');
    await writeFile(lockPath, await readFile(echo.lockPath));
    await runCli(['keygen', '--private', join(dir, 'k'), '--public', join(dir, 'k.pub')]);
    expect((await runCli(['sign', '--key', join(dir, 'k'), lockPath])).code).toBe(0);
    const { client, stderr } = await connect(['--lock', lockPath, '--key', join(dir, 'k.pub')], undefined);
    const r = await client.callTool({ name: 'echo', arguments: { text: 'signed' } });
    expect(r.content).toEqual([{ type: 'text', text: 'signed' }]);
    expect(stderr()).toMatch(/signature: ed25519/);
  });

  it('launches the server as a --config mcpServers entry describes it', async () => {
    const config = join(echo.dir, 'claude_desktop_config.json');
    await writeFile(
      config,
      JSON.stringify({ mcpServers: { echo: { command: node, args: [fixture('proxy-echo.mjs')] } } }),
    );
    const { client } = await connect(
      ['--lock', echo.lockPath, '--config', config, '--server', 'echo'],
      undefined,
    );
    const r = await client.callTool({ name: 'echo', arguments: { text: 'configured' } });
    expect(r.content).toEqual([{ type: 'text', text: 'configured' }]);
  });

  it('on SIGTERM, stops the server and leaves every decided record in the audit log', async () => {
    const audit = join(echo.dir, 'sigterm.jsonl');
    const raw = new RawProxy(
      ['--lock', echo.lockPath, '--audit-log', audit],
      [node, fixture('proxy-echo.mjs')],
    );
    await raw.initialize();
    raw.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'x' } },
    });
    await raw.waitFor((m) => m.id === 1);
    raw.child.kill('SIGTERM');
    expect(await raw.exit).toBe(0);
    const records = parseAudit(await readFile(audit, 'utf8'));
    expect(records.map((r) => r.method)).toEqual(['initialize', 'tools/call']);
  });

  describe('in front of server-everything', () => {
    it('passes every verified entry and the calls to them', async () => {
      const { client } = await connect(['--lock', everything.lockPath], [node, EVERYTHING]);
      const { tools } = await client.listTools();
      // This client declares no sampling/elicitation/roots, so the server lists a subset of the lock.
      for (const t of tools) expect(Object.keys(everything.entry.tools)).toContain(t.name);
      expect(tools.map((t) => t.name)).toContain('echo');
      const r = await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } });
      expect(JSON.stringify(r.content)).toMatch(/5/);
      const prompts = await client.listPrompts();
      expect(prompts.prompts.length).toBe(Object.keys(everything.entry.prompts).length);
      await client.getPrompt({ name: 'simple-prompt' });
      const [uri] = Object.keys(everything.entry.resources);
      expect((await client.readResource({ uri: uri as string })).contents.length).toBeGreaterThan(0);
      await client.readResource({ uri: 'demo://resource/dynamic/text/1' });
    });

    it('refuses resource URIs outside the locked resources and templates', async () => {
      const { client } = await connect(['--lock', everything.lockPath], [node, EVERYTHING]);
      for (const uri of [
        'demo://resource/dynamic/text/../../../etc/passwd',
        'demo://resource/dynamic/text/%2e%2e%2fsecret',
        'file:///etc/passwd',
        'http://169.254.169.254/latest/meta-data/',
      ]) {
        const e = await rejection(client.readResource({ uri }));
        expect(e.code).toBe(BLOCKED_CODE);
      }
      const e = await rejection(client.getPrompt({ name: 'not-locked' }));
      expect(e.data).toMatchObject({ kind: 'not-locked', method: 'prompts/get' });
    });
  });

  describe('in front of server-filesystem with the strict pack', () => {
    it('denies a call whose arguments traverse out of the root, and only that call', async () => {
      const audit = join(filesystem.dir, 'audit.jsonl');
      const { client } = await connect(
        ['--lock', filesystem.lockPath, '--policy', 'strict', '--audit-log', audit],
        [node, FILESYSTEM, root],
      );
      const ok = await client.callTool({ name: 'read_text_file', arguments: { path: join(root, 'a.txt') } });
      expect(JSON.stringify(ok.content)).toMatch(/hello from a/);
      const e = await rejection(
        client.callTool({ name: 'read_text_file', arguments: { path: `${root}/../../etc/passwd` } }),
      );
      expect(e.code).toBe(BLOCKED_CODE);
      expect(e.data).toMatchObject({
        kind: 'policy',
        verdicts: [expect.objectContaining({ pack: expect.any(String) })],
      });
      const again = await client.callTool({
        name: 'read_text_file',
        arguments: { path: join(root, 'a.txt') },
      });
      expect(again.isError).not.toBe(true);
      const records = parseAudit(await readFile(audit, 'utf8'));
      expect(records.filter((r) => r.decision === 'block' && r.kind === 'policy')).toHaveLength(1);
    });
  });

  it('works for the MCP Inspector CLI as a host', async () => {
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(
        join(REPO, 'node_modules/.bin/mcp-inspector'),
        [
          '--cli',
          node,
          ...['--import', 'tsx', join(REPO, 'src/cli/bin.ts')],
          'proxy',
          '--lock',
          echo.lockPath,
          '--',
          node,
          fixture('proxy-echo.mjs'),
          '--method',
          'tools/call',
          '--tool-name',
          'echo',
          '--tool-arg',
          'text=through-the-proxy',
        ],
        { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ content: [{ type: 'text', text: 'through-the-proxy' }] });
  });
});
