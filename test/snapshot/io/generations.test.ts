import type { ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as V1StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerEntry } from '../../../src/lockfile/index.js';
import { normalizeList, normalizeTool } from '../../../src/snapshot/index.js';
import { snapshotServer, snapshotServers } from '../../../src/snapshot/io/snapshot.js';
import { REPO, startV2Http, v2Stdio } from '../../helpers/v2-fixtures.js';

const digests = (record: Record<string, { digest: string }>) =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v.digest]));

/** What a real SDK client lists, normalized the way lock normalizes it. */
async function seenBy(mode: 'v2-pinned' | 'v2-auto' | 'v1', file: string) {
  const params = { command: process.execPath, args: [file], cwd: REPO };
  if (mode === 'v1') {
    const client = new V1Client({ name: 'probe', version: '1' });
    await client.connect(new V1StdioClientTransport(params));
    const { tools } = await client.listTools();
    const instructions = client.getInstructions();
    await client.close();
    return { tools: digests(normalizeList(tools, normalizeTool, 'tool')), instructions };
  }
  const client = new Client(
    { name: 'probe', version: '1' },
    { versionNegotiation: { mode: mode === 'v2-auto' ? 'auto' : { pin: '2026-07-28' } } },
  );
  await client.connect(new StdioClientTransport(params));
  const { tools } = await client.listTools();
  const instructions = client.getInstructions();
  await client.close();
  return { tools: digests(normalizeList(tools, normalizeTool, 'tool')), instructions };
}

describe('snapshotServer across protocol generations', () => {
  describe('a dual-generation server', () => {
    let entry: ServerEntry;
    beforeAll(async () => {
      entry = await snapshotServer(v2Stdio('dual'));
    });

    it('records both generations and the modern surface once', () => {
      expect(entry.generations).toEqual({
        modern: { supportedVersions: ['2026-07-28'] },
        legacy: { protocolVersion: '2025-11-25' },
      });
      expect(entry.server).toMatchObject({ name: 'v2-dual', protocolVersion: '2026-07-28' });
      expect(Object.keys(entry.tools).sort()).toEqual(['list_dir', 'read_file']);
      expect(entry.eras).toBeUndefined();
    });

    it('follows cursors on the modern generation', async () => {
      const paged = await snapshotServer(v2Stdio('dual', { PAGE_SIZE: '1' }));
      expect(digests(paged.tools)).toEqual(digests(entry.tools));
    });
  });

  it('locks a modern-only server (2026-07-28 only)', async () => {
    const entry = await snapshotServer(v2Stdio('modern-only'));
    expect(entry.generations).toEqual({ modern: { supportedVersions: ['2026-07-28'] } });
    expect(Object.keys(entry.tools)).toEqual(['get_weather']);
  });

  it('locks a legacy-only server (2025 only)', async () => {
    const entry = await snapshotServer(v2Stdio('legacy-only'));
    expect(entry.generations).toEqual({ legacy: { protocolVersion: '2025-11-25' } });
    expect(entry.server.protocolVersion).toBe('2025-11-25');
  });

  describe('an era-split server', () => {
    let entry: ServerEntry;
    beforeAll(async () => {
      entry = await snapshotServer(v2Stdio('era-split'));
    });

    it('records what modern clients see on top and what 2025 clients see in eras.legacy', () => {
      expect(Object.keys(entry.tools).sort()).toEqual(['exec_shell', 'read_file']);
      expect(entry.server.instructions).toMatch(/exec_shell/);
      expect(Object.keys(entry.eras?.legacy.tools ?? {})).toEqual(['read_file']);
      expect(entry.eras?.legacy.server.instructions).toBe('Use read_file to read files.');
    });

    it('records exactly what each real client sees', async () => {
      const file = 'fixtures/servers/v2-era-split.mjs';
      const modern = { tools: digests(entry.tools), instructions: entry.server.instructions };
      const legacy = {
        tools: digests(entry.eras?.legacy.tools ?? {}),
        instructions: entry.eras?.legacy.server.instructions,
      };
      expect(await seenBy('v2-pinned', file)).toEqual(modern);
      expect(await seenBy('v2-auto', file)).toEqual(modern);
      expect(await seenBy('v1', file)).toEqual(legacy);
    });
  });

  it('records icons and task support (taken from the 2025 generation, which alone carries it)', async () => {
    const entry = await snapshotServer(v2Stdio('icons-tasks'));
    expect(entry.eras).toBeUndefined();
    expect(entry.server.icons?.[0]?.src).toBe('https://icons.invalid/server.png');
    expect(entry.server.capabilities.extensions).toEqual({ 'io.modelcontextprotocol/tasks': {} });
    expect(entry.tools.render_video).toMatchObject({
      execution: { taskSupport: 'optional' },
      icons: [{ src: 'https://icons.invalid/video.png', mimeType: 'image/png', sizes: ['48x48'] }],
    });
    expect(entry.prompts.storyboard?.icons).toHaveLength(1);
    expect(entry.resources['file:///scene.json']?.icons).toHaveLength(1);
  });

  it('records MCP Apps _meta.ui and leaves volatile _meta keys out', async () => {
    const entry = await snapshotServer(v2Stdio('apps'));
    expect(entry.tools.show_weather?._meta).toEqual({ ui: { resourceUri: 'ui://weather/view.html' } });
    expect(entry.resources['ui://weather/view.html']?._meta).toMatchObject({ ui: { permissions: {} } });
    const withTtl = await snapshotServer(v2Stdio('apps', { TTL: '60000' }));
    expect(digests(withTtl.tools)).toEqual(digests(entry.tools));
  });

  describe('over Streamable HTTP', () => {
    const servers: ChildProcess[] = [];
    afterAll(() => {
      for (const child of servers) child.kill('SIGKILL');
    });

    it('reads both generations of a dual server: stateless modern POSTs and legacy requests', async () => {
      const { url, child } = await startV2Http('dual');
      servers.push(child);
      const http = await snapshotServer({ name: 'h', transport: 'streamable-http', url });
      const stdio = await snapshotServer(v2Stdio('dual'));
      expect(http.generations).toEqual(stdio.generations);
      expect(digests(http.tools)).toEqual(digests(stdio.tools));
      expect(http.server.digest).toBe(stdio.server.digest);
    });

    it('catches an era split over HTTP and locks a modern-only server', async () => {
      const split = await startV2Http('era-split');
      const modern = await startV2Http('modern-only');
      servers.push(split.child, modern.child);
      const entry = await snapshotServer({ name: 's', transport: 'streamable-http', url: split.url });
      expect(Object.keys(entry.eras?.legacy.tools ?? {})).toEqual(['read_file']);
      const only = await snapshotServer({ name: 'm', transport: 'streamable-http', url: modern.url });
      expect(only.generations).toEqual({ modern: { supportedVersions: ['2026-07-28'] } });
    });
  });
});

describe('snapshotServers', () => {
  it('snapshots servers concurrently, logs one line per start and finish, keeps the given order', async () => {
    const lines: string[] = [];
    const logger = {
      info: (m: string) => lines.push(m),
      warn: (m: string) => lines.push(`warning: ${m}`),
      debug() {},
    };
    const specs = [v2Stdio('modern-only'), v2Stdio('dual'), v2Stdio('legacy-only'), v2Stdio('era-split')];
    const servers = await snapshotServers(specs, { logger, concurrency: 4 });
    expect(Object.keys(servers)).toEqual(['modern-only', 'dual', 'legacy-only', 'era-split']);
    expect(lines.filter((l) => l.includes('snapshotting'))).toHaveLength(4);
    expect(lines.filter((l) => / done in \d+ ms/.test(l))).toHaveLength(4);
    expect(
      lines.some((l) => /era-split done in \d+ ms \(2026-07-28 \+ 2025-11-25, ERA SPLIT\)/.test(l)),
    ).toBe(true);
    expect(lines.some((l) => l.startsWith('warning: ERA SPLIT: server "era-split"'))).toBe(true);
    // The four start lines come before any finish: they ran at once.
    expect(lines.findIndex((l) => l.includes(' done in '))).toBeGreaterThanOrEqual(4);
  });
});
