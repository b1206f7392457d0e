import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/engine/check.js';
import { runLock } from '../../src/engine/lock.js';
import { planCheck, specFromLock } from '../../src/engine/preflight.js';
import type { Lockfile } from '../../src/lockfile/index.js';
import { CapsealError } from '../../src/shared/errors.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { ServerSpec } from '../../src/snapshot/types.js';
import { REPO } from '../helpers/cli.js';
import { lockfile, serverEntry } from '../helpers/factories.js';

const drifting = (name: string, drift = 'none'): ServerSpec => ({
  name,
  transport: 'stdio',
  command: process.execPath,
  args: [join(REPO, 'fixtures', 'servers', 'drifting.mjs')],
  env: { DRIFT: drift },
});

function usageError(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof CapsealError && error.code === 'USAGE') return [error.message, ...error.details];
    throw error;
  }
  return [];
}

describe('specFromLock', () => {
  it('relaunches a stdio server as recorded, copying only the named variables', () => {
    const entry = serverEntry({
      source: { transport: 'stdio', command: 'node', args: ['s.js'], env: ['TOKEN'] },
    });
    expect(specFromLock('a', entry, { TOKEN: 't', OTHER: 'o' }, '/repo')).toEqual({
      name: 'a',
      transport: 'stdio',
      command: 'node',
      args: ['s.js'],
      env: { TOKEN: 't' },
      baseDir: '/repo',
    });
    expect(usageError(() => specFromLock('a', entry, {}))).toContain(
      "TOKEN: locked as passed to the server, but not set in capseal's environment",
    );
  });

  it('cannot relaunch a URL server that needs header values', () => {
    const entry = serverEntry({
      source: { transport: 'streamable-http', url: 'https://x.example/mcp', headers: ['Authorization'] },
    });
    expect(usageError(() => specFromLock('a', entry, {}))[0]).toContain('locked with headers');
  });
});

describe('planCheck', () => {
  const two = lockfile({ a: serverEntry(), b: serverEntry() });

  it('compares a single given server with the only locked entry, whatever its name', () => {
    const plan = planCheck(lockfile({ locked: serverEntry() }), [drifting('given')], 'single');
    expect(Object.keys(plan.base.servers)).toEqual(['locked']);
    expect(plan.specs.map((s) => s.name)).toEqual(['locked']);
  });

  it('matches by name in a multi-server lockfile, and says how to choose otherwise', () => {
    expect(Object.keys(planCheck(two, [drifting('b')], 'single').base.servers)).toEqual(['b']);
    expect(usageError(() => planCheck(two, [drifting('c')], 'single'))).toEqual([
      'the lockfile has 2 servers and none is named "c"',
      'locked servers: a, b',
      'pick one with --server NAME, or use --config',
    ]);
  });

  it('restricts the base to the named servers for a subset', () => {
    expect(Object.keys(planCheck(two, [drifting('a')], 'subset').base.servers)).toEqual(['a']);
  });
});

describe('runCheck', () => {
  let lock: Lockfile;
  beforeAll(async () => {
    ({ lock } = await runLock([drifting('demo')]));
  });
  const options = { lockPath: 'mcp-lock.json', failOn: 'critical' as const, logger: silentLogger };

  it('passes with no drift for the same server under another name', async () => {
    const plan = planCheck(lock, [drifting('renamed-on-cli')], 'single');
    const report = await runCheck({ ...plan, policy: undefined }, options);
    expect(report).toMatchObject({ kind: 'check', outcome: 'pass', servers: ['demo'], drifts: [] });
  });

  it('treats a config-only server as drift (server.added)', async () => {
    const plan = planCheck(lock, [drifting('demo'), drifting('extra', 'add-tool')], 'all');
    const report = await runCheck({ ...plan, policy: undefined }, options);
    expect(report.drifts.map((d) => `${d.server}:${d.kind}`)).toEqual(['extra:server.added']);
    expect(report.outcome).toBe('fail');
  });

  it('treats a lock-only server as drift (server.removed, moderate)', async () => {
    const plan = planCheck(lock, [], 'all');
    const report = await runCheck({ ...plan, policy: undefined }, { ...options, failOn: 'moderate' });
    expect(report.drifts.map((d) => `${d.server}:${d.kind}:${d.severity}`)).toEqual([
      'demo:server.removed:moderate',
    ]);
    expect(report.outcome).toBe('fail');
  });
});
