import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLock } from '../../src/engine/lock.js';
import { parseLockfile } from '../../src/lockfile/index.js';
import type { ServerSpec } from '../../src/snapshot/types.js';

const REPO = join(import.meta.dirname, '..', '..');
const spec = (name: string, env?: Record<string, string>): ServerSpec => ({
  name,
  transport: 'stdio',
  command: process.execPath,
  args: ['fixtures/servers/drifting.mjs'],
  ...(env === undefined ? {} : { env }),
  baseDir: REPO,
});

describe('runLock', () => {
  it('returns the lockfile and its exact bytes, which read back to the same lockfile', async () => {
    const { lock, text } = await runLock([spec('b', { DRIFT: 'add-tool' }), spec('a')]);
    expect(text.endsWith('}\n')).toBe(true);
    expect(Object.keys(lock.servers)).toEqual(['a', 'b']);
    expect(parseLockfile(text)).toEqual(lock);
    expect(Object.keys(lock.servers.b?.tools ?? {})).toContain('exec_shell');
    expect(Object.keys(lock.servers.a?.tools ?? {})).not.toContain('exec_shell');
  });

  it('is deterministic whatever the order the servers are given in', async () => {
    const one = await runLock([spec('a'), spec('b')]);
    const two = await runLock([spec('b'), spec('a')]);
    expect(two.text).toBe(one.text);
  });
});
