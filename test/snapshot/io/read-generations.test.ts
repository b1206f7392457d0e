import { describe, expect, it } from 'vitest';
import type { ServerSpec } from '../../../src/snapshot/index.js';
import { hedgeDelayMs } from '../../../src/snapshot/io/read-generations.js';
import {
  describeGenerations,
  type SnapshotOptions,
  snapshotServer,
} from '../../../src/snapshot/io/snapshot.js';
import { StartGate } from '../../../src/snapshot/io/start-gate.js';
import { REPO } from '../../helpers/cli.js';
import { v2Stdio } from '../../helpers/v2-fixtures.js';

// A 2025 server written against the wire, not an SDK: it answers initialize and tools/list, and meets any
// server/discover as its mode says (a JSON-RPC error, an exit, or silence), any other request with an error;
// `slow` starts answering 1.5 s after it started, with errors.
const RAW_LEGACY = `
const mode = process.argv[1];
const ready = Date.now() + (mode === 'slow' ? 1500 : 0);
let buf = '';
const send = (m) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...m }) + '\\n');
process.stdin.on('data', async (d) => {
  buf += d;
  if (Date.now() < ready) await new Promise((r) => setTimeout(r, ready - Date.now()));
  for (let i = buf.indexOf('\\n'); i >= 0; i = buf.indexOf('\\n')) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    if (line.trim() === '') continue;
    const msg = JSON.parse(line);
    if (msg.id === undefined) continue;
    if (msg.method === 'initialize') {
      send({ id: msg.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'raw-legacy', version: '1.0.0' } } });
    } else if (msg.method === 'tools/list') {
      send({ id: msg.id, result: { tools: [{ name: 'echo', inputSchema: { type: 'object' } }] } });
    } else if (msg.method === 'server/discover' && mode === 'exit') {
      process.exit(0);
    } else if (msg.method !== 'server/discover' || mode !== 'silent') {
      send({ id: msg.id, error: { code: -32601, message: 'Method not found' } });
    }
  }
});
`;
const raw = (mode: 'error' | 'exit' | 'silent' | 'slow'): ServerSpec => ({
  name: `raw-${mode}`,
  transport: 'stdio',
  command: process.execPath,
  args: ['-e', RAW_LEGACY, mode],
});

/**
 * Snapshot and count the processes capseal started for it (one "spawning" debug line each). `slots`: how
 * many processes may be starting at once in the run (the start gate; default the CPU count).
 */
async function snapshotCounting(
  spec: ServerSpec,
  startupTimeoutMs = 10_000,
  slots?: number,
  sandbox?: SnapshotOptions['sandbox'],
) {
  const spawned: string[] = [];
  const said: string[] = [];
  const logger = {
    info() {},
    warn() {},
    debug: (m: string) => {
      said.push(m);
      if (/: spawning /.test(m)) spawned.push(m);
    },
  };
  const entry = await snapshotServer(
    spec,
    { logger, limits: { startupTimeoutMs, totalTimeoutMs: 30_000 }, ...(sandbox ? { sandbox } : {}) },
    slots === undefined ? undefined : new StartGate(slots),
  );
  return { entry, spawned: spawned.length, said };
}

describe('the processes a snapshot starts', () => {
  describe.concurrent('a 2025-only server is read in place, on the process that declined', () => {
    it('an SDK server that declines server/discover', async () => {
      const { entry, spawned, said } = await snapshotCounting(v2Stdio('legacy-only'));
      expect(describeGenerations(entry)).toBe('2025-11-25 only');
      expect(Object.keys(entry.tools)).toEqual(['echo']);
      expect(said).toContain('legacy-only: declined server/discover; reading 2025 on the same process');
      // The second process, started in case the first answered, is dropped.
      expect(spawned).toBeLessThanOrEqual(2);
    });

    it('a hand-written server that answers server/discover with method not found', async () => {
      const { entry, spawned, said } = await snapshotCounting(raw('error'));
      expect(describeGenerations(entry)).toBe('2025-11-25 only');
      expect(Object.keys(entry.tools)).toEqual(['echo']);
      expect(said).toContain('raw-error: declined server/discover; reading 2025 on the same process');
      expect(spawned).toBeLessThanOrEqual(2);
    });
  });

  describe.concurrent('with no CPU free for a second process, a 2025-only server costs one', () => {
    it('an SDK server that declines server/discover', async () => {
      const { entry, spawned } = await snapshotCounting(v2Stdio('legacy-only'), 10_000, 1);
      expect(describeGenerations(entry)).toBe('2025-11-25 only');
      expect(Object.keys(entry.tools)).toEqual(['echo']);
      expect(spawned).toBe(1);
    });

    it('unsandboxed, nothing is started in case it is needed', async () => {
      const { entry, spawned } = await snapshotCounting(v2Stdio('legacy-only'), 10_000, undefined, {
        mode: 'off',
      });
      expect(describeGenerations(entry)).toBe('2025-11-25 only');
      expect(spawned).toBe(1);
    });

    it('through a package runner (npx), nothing is started in case it is needed', async () => {
      const { entry, spawned } = await snapshotCounting(
        {
          name: 'everything',
          transport: 'stdio',
          command: 'npx',
          args: ['-y', '@modelcontextprotocol/server-everything'],
          baseDir: REPO,
        },
        20_000,
      );
      expect(describeGenerations(entry)).toBe('2025-11-25 only');
      expect(spawned).toBe(1);
    });

    it('a dual-generation server still gets its second process once discover answered', async () => {
      const { entry, spawned } = await snapshotCounting(v2Stdio('dual'), 10_000, 1);
      expect(describeGenerations(entry)).toMatch(/^2026-07-28 \+ 2025-/);
      expect(entry.eras).toBeUndefined();
      expect(spawned).toBe(2);
    });
  });

  describe.concurrent('a 2025-only server that cannot be probed in place gets a second process', () => {
    it('one that exits on server/discover', async () => {
      const { entry, spawned } = await snapshotCounting(raw('exit'));
      expect(describeGenerations(entry)).toBe('2025-11-25 only');
      expect(Object.keys(entry.tools)).toEqual(['echo']);
      expect(spawned).toBe(2);
    });

    it('one that never answers server/discover (after the hedge delay, within the startup timeout)', async () => {
      const started = Date.now();
      const { entry, spawned } = await snapshotCounting(raw('silent'), 4000);
      expect(describeGenerations(entry)).toBe('2025-11-25 only');
      expect(spawned).toBe(2);
      // The 2025 reading began at the hedge delay, not after the discover timeout.
      expect(Date.now() - started).toBeLessThan(4000 + hedgeDelayMs(4000));
    });
  });

  it('a server that declines server/discover only after the hedge delay is still read in place', async () => {
    const { entry, spawned, said } = await snapshotCounting(raw('slow'), 2000);
    expect(describeGenerations(entry)).toBe('2025-11-25 only');
    expect(spawned).toBe(2);
    expect(said).toContain('raw-slow: declined server/discover; reading 2025 on the same process');
  });

  describe.concurrent('a server that answers server/discover is read in both generations, apart', () => {
    it('dual-generation: two processes, one surface', async () => {
      const { entry, spawned } = await snapshotCounting(v2Stdio('dual'));
      expect(describeGenerations(entry)).toMatch(/^2026-07-28 \+ 2025-/);
      expect(entry.eras).toBeUndefined();
      expect(spawned).toBe(2);
    });

    it('era-split: two processes, both surfaces recorded', async () => {
      const { entry, spawned } = await snapshotCounting(v2Stdio('era-split'));
      expect(describeGenerations(entry)).toMatch(/ERA SPLIT$/);
      expect(entry.eras?.legacy).toBeDefined();
      expect(spawned).toBe(2);
    });

    it('modern-only: the 2025 generation is asked on its own process and recorded as not offered', async () => {
      const { entry, spawned } = await snapshotCounting(v2Stdio('modern-only'));
      expect(describeGenerations(entry)).toBe('2026-07-28 only');
      expect(spawned).toBe(2);
    });
  });

  it('waits at most 5 s, and half the startup timeout, for server/discover before a second process', () => {
    expect(hedgeDelayMs(30_000)).toBe(5000);
    expect(hedgeDelayMs(1000)).toBe(500);
    expect(hedgeDelayMs(1)).toBe(1);
  });
});
