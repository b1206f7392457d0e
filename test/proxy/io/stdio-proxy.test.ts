import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  McpError,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCKED_CODE, LIMIT_CODE, SERVER_GONE_CODE } from '../../../src/proxy/index.js';
import {
  connectThroughProxy,
  fixture,
  lockServer,
  type ProxiedClient,
  parseAudit,
  RawProxy,
} from '../helpers.js';

// Every scenario runs a real SDK Client (or a raw line writer where exact bytes matter) against the real
// `capseal proxy` process in front of a fixture server; lockfiles come from snapshotServer, as `lock` does.
const node = process.execPath;
const locks: Record<string, { lockPath: string; dir: string }> = {};
const open: ProxiedClient[] = [];

async function expectBlocked(promise: Promise<unknown>, code: number): Promise<Record<string, unknown>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpError);
  expect((error as McpError).code).toBe(code);
  return (error as McpError).data as Record<string, unknown>;
}

async function through(name: string, server: string[], extra: string[] = [], caps = {}) {
  const lock = locks[name];
  if (!lock) throw new Error(`no lock for ${name}`);
  const c = await connectThroughProxy(['--lock', lock.lockPath, ...extra], server, caps);
  open.push(c);
  return c;
}

beforeAll(async () => {
  const specs: [string, string[]][] = [
    ['drifting', [node, fixture('proxy-drifting.mjs')]],
    ['rugpull', [node, fixture('proxy-rugpull.mjs')]],
    ['spoofing', [node, fixture('proxy-spoofing.mjs')]],
    ['flooding', [node, fixture('proxy-flooding.mjs')]],
    ['crashing', [node, fixture('proxy-crashing.mjs')]],
    ['sampling', [node, fixture('proxy-sampling.mjs')]],
    ['paginated', [node, fixture('proxy-paginated.mjs')]],
  ];
  const results = await Promise.all(specs.map(([name, cmd]) => lockServer(name, cmd)));
  specs.forEach(([name], i) => {
    locks[name] = results[i] as { lockPath: string; dir: string };
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((c) => c.client.close()));
});

describe('capseal proxy in front of a stdio server', () => {
  it('blocks exec_shell that a drifting server adds after two calls, and hides it from the list', async () => {
    const { client } = await through('drifting', [node, fixture('proxy-drifting.mjs')]);
    const changed = new Promise<void>((r) =>
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => r()),
    );
    await client.callTool({ name: 'read_file', arguments: { path: 'a' } });
    await client.callTool({ name: 'read_file', arguments: { path: 'b' } });
    await changed;
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['read_file']);
    const data = await expectBlocked(
      client.callTool({ name: 'exec_shell', arguments: { command: 'id' } }),
      BLOCKED_CODE,
    );
    expect(data).toMatchObject({ kind: 'not-locked', target: 'exec_shell', method: 'tools/call' });
    await client.callTool({ name: 'read_file', arguments: { path: 'c' } });
  });

  it('blocks a rug-pulled tool right after list_changed, even before the host re-lists', async () => {
    const { dir } = locks.rugpull as { dir: string };
    const audit = join(dir, 'audit.jsonl');
    const { client } = await through('rugpull', [node, fixture('proxy-rugpull.mjs')], ['--audit-log', audit]);
    const changed = new Promise<void>((r) =>
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => r()),
    );
    await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    await changed;
    const data = await expectBlocked(
      client.callTool({ name: 'fetch_url', arguments: { url: 'https://example.com' } }),
      BLOCKED_CODE,
    );
    expect(data).toMatchObject({ kind: 'changed', target: 'fetch_url', server: 'rugpull' });
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo']);
    const records = parseAudit(await readFile(audit, 'utf8'));
    expect(records.find((r) => r.decision === 'block')).toMatchObject({
      method: 'tools/call',
      target: 'fetch_url',
      kind: 'changed',
    });
    expect(records.find((r) => r.target === 'echo' && r.method === 'tools/call')).toMatchObject({
      decision: 'allow',
      digest: expect.stringMatching(/^sha256:/),
      durationMs: expect.any(Number),
    });
    expect(records.some((r) => 'arguments' in r)).toBe(false);
    expect(records.find((r) => r.method === 'tools/list' && r.decision === 'filter')).toMatchObject({
      removed: [{ key: 'fetch_url', kind: 'changed' }],
    });
  });

  it('drops responses with unknown, wrong, duplicate and string ids and delivers the genuine one once', async () => {
    const { lockPath, dir } = locks.spoofing as { lockPath: string; dir: string };
    const audit = join(dir, 'audit.jsonl');
    const raw = new RawProxy(
      ['--lock', lockPath, '--audit-log', audit],
      [node, fixture('proxy-spoofing.mjs')],
    );
    await raw.initialize();
    raw.send({
      jsonrpc: '2.0',
      id: 'c1',
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: 'x' } },
    });
    await raw.waitFor((m) => m.id === 'c1');
    raw.send({ jsonrpc: '2.0', id: 'c2', method: 'tools/list' });
    await raw.waitFor((m) => m.id === 'c2');
    const answers = raw.lines.filter((m) => (m as { id?: unknown }).id === 'c1');
    expect(answers).toEqual([
      { jsonrpc: '2.0', id: 'c1', result: { content: [{ type: 'text', text: 'genuine x' }] } },
    ]);
    expect(raw.lines.map((m) => (m as { id?: unknown }).id)).toEqual(['init', 'c1', 'c2']);
    raw.close();
    expect(await raw.exit).toBe(0);
    const drops = parseAudit(await readFile(audit, 'utf8')).filter((r) => r.decision === 'drop');
    expect(drops.length).toBe(4);
    expect(raw.stderr).toMatch(/unknown or duplicate id 424242/);
  });

  it('drops a 20 MB line, fails only the call it answered, and keeps serving', async () => {
    const { client, stderr } = await through('flooding', [node, fixture('proxy-flooding.mjs')]);
    const data = await expectBlocked(client.callTool({ name: 'flood', arguments: {} }), LIMIT_CODE);
    expect(String(data.reason)).toMatch(/exceeds maxLineBytes/);
    const ok = await client.callTool({ name: 'echo', arguments: { text: 'still here' } });
    expect(ok.content).toEqual([{ type: 'text', text: 'still here' }]);
    expect(stderr()).toMatch(/over-long line/);
  });

  it('answers pending requests when the server crashes and exits non-zero', async () => {
    const { lockPath, dir } = locks.crashing as { lockPath: string; dir: string };
    const audit = join(dir, 'audit.jsonl');
    const raw = new RawProxy(
      ['--lock', lockPath, '--audit-log', audit],
      [node, fixture('proxy-crashing.mjs')],
    );
    await raw.initialize();
    raw.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'crash', arguments: {} } });
    const answer = await raw.waitFor((m) => m.id === 1);
    expect(answer).toMatchObject({
      error: { code: SERVER_GONE_CODE, data: { reason: 'server exited with code 7' } },
    });
    expect(await raw.exit).toBe(3);
    expect(raw.stderr).toMatch(/crashing on purpose/);
    const records = parseAudit(await readFile(audit, 'utf8'));
    expect(records.at(-1)).toMatchObject({
      decision: 'error',
      target: 'crash',
      reason: 'server exited with code 7',
    });
  });

  it('forwards sampling, elicitation and roots requests from the server with their own ids', async () => {
    const { client } = await through('sampling', [node, fixture('proxy-sampling.mjs')], [], {
      capabilities: { sampling: {}, elicitation: {}, roots: {} },
    });
    client.setRequestHandler(ListRootsRequestSchema, () => ({
      roots: [{ uri: 'file:///work', name: 'work' }],
    }));
    client.setRequestHandler(CreateMessageRequestSchema, () => ({
      role: 'assistant',
      content: { type: 'text', text: 'hi' },
      model: 'test',
    }));
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { name: 'Ada' } }));
    const result = await client.callTool({ name: 'ask', arguments: {} });
    const text = (result.content as { text: string }[])[0]?.text ?? '';
    expect(JSON.parse(text)).toEqual({
      roots: [{ uri: 'file:///work', name: 'work' }],
      sample: { type: 'text', text: 'hi' },
      elicited: { name: 'Ada' },
    });
  });

  describe('with a paginated server that drifted', () => {
    // The drift is simulated by a flag: a launch change the test allows explicitly.
    const drifted = [node, fixture('proxy-paginated.mjs'), '--drift'];
    const changed = ['--allow-launch-change'];

    async function allPages(c: ProxiedClient) {
      const pages: { names: string[]; nextCursor: string | undefined }[] = [];
      let cursor: string | undefined;
      do {
        const page = await c.client.listTools(cursor === undefined ? {} : { cursor });
        pages.push({ names: page.tools.map((t) => t.name), nextCursor: page.nextCursor });
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      return pages;
    }

    it('enforce: filters each page, keeps every cursor, blocks the drifted tools', async () => {
      const c = await through('paginated', drifted, changed);
      const pages = await allPages(c);
      expect(pages).toHaveLength(3);
      expect(pages.slice(0, 2).every((p) => p.nextCursor !== undefined)).toBe(true);
      const names = pages.flatMap((p) => p.names);
      expect(names).toHaveLength(23);
      expect(names).not.toContain('tool_3');
      expect(names).not.toContain('tool_extra');
      expect(
        await expectBlocked(c.client.callTool({ name: 'tool_17', arguments: {} }), BLOCKED_CODE),
      ).toMatchObject({
        kind: 'changed',
      });
      await c.client.callTool({ name: 'tool_20', arguments: {} });
    });

    it('filter-only: filters the list but lets the drifted tool be called', async () => {
      const c = await through('paginated', drifted, [...changed, '--mode', 'filter-only']);
      expect((await allPages(c)).flatMap((p) => p.names)).toHaveLength(23);
      const r = await c.client.callTool({ name: 'tool_3', arguments: {} });
      expect(r.content).toEqual([{ type: 'text', text: 'tool_3 ok' }]);
    });

    it('audit-only: changes nothing and records what enforce would have done', async () => {
      const { dir } = locks.paginated as { dir: string };
      const audit = join(dir, 'audit-only.jsonl');
      const c = await through('paginated', drifted, [
        ...changed,
        '--mode',
        'audit-only',
        '--audit-log',
        audit,
        '--audit-arguments',
      ]);
      expect((await allPages(c)).flatMap((p) => p.names)).toHaveLength(26);
      await c.client.callTool({ name: 'tool_extra', arguments: { q: 1 } });
      const records = parseAudit(await readFile(audit, 'utf8'));
      expect(records.find((r) => r.target === 'tool_extra')).toMatchObject({
        decision: 'allow',
        wouldBe: 'block',
        kind: 'not-locked',
        arguments: { q: 1 },
      });
      expect(
        records.filter((r) => r.method === 'tools/list' && r.wouldBe === 'filter').length,
      ).toBeGreaterThan(0);
    });
  });
});
