import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPackageCache, type fetchNpmPackage } from '../../../src/sandbox/io/index.js';

describe('createPackageCache', () => {
  /** A fetcher that records its calls and "installs" a file under the prefix it is given. */
  function fakeFetcher() {
    const calls: string[] = [];
    const fetcher: typeof fetchNpmPackage = async (name, version, prefix, _env, pin) => {
      calls.push(`${name}@${pin?.version ?? version ?? 'latest'}`);
      const pkgDir = join(prefix, 'node_modules', name);
      await mkdir(pkgDir, { recursive: true });
      await writeFile(join(pkgDir, 'package.json'), '{}');
      return { pkgDir, prefix, version: pin?.version ?? version ?? '1.0.0', integrity: pin?.integrity };
    };
    return { calls, fetcher };
  }

  it('fetches a package once per server, however many connections ask for it', async () => {
    const { calls, fetcher } = fakeFetcher();
    const cache = createPackageCache(fetcher);
    expect(cache.has('pkg', '1.0.0')).toBe(false);
    const [a, b] = await Promise.all([cache.fetch('pkg', '1.0.0', {}), cache.fetch('pkg', '1.0.0', {})]);
    expect(a).toBe(b);
    expect(calls).toEqual(['pkg@1.0.0']);
    expect(cache.has('pkg', '1.0.0')).toBe(true);
    await cache.dispose();
  });

  it('keeps another version or another pin apart', async () => {
    const { calls, fetcher } = fakeFetcher();
    const cache = createPackageCache(fetcher);
    const a = await cache.fetch('pkg', '1.0.0', {});
    const b = await cache.fetch('pkg', '2.0.0', {});
    const c = await cache.fetch('pkg', undefined, {}, { version: '1.0.0', integrity: 'sha512-x' });
    expect(new Set([a.prefix, b.prefix, c.prefix]).size).toBe(3);
    expect(calls).toEqual(['pkg@1.0.0', 'pkg@2.0.0', 'pkg@1.0.0']);
    await cache.dispose();
  });

  it('removes every download on dispose', async () => {
    const { fetcher } = fakeFetcher();
    const cache = createPackageCache(fetcher);
    const got = await cache.fetch('pkg', '1.0.0', {});
    expect(existsSync(got.pkgDir)).toBe(true);
    await cache.dispose();
    expect(existsSync(got.prefix)).toBe(false);
  });

  it('hands every asker the same refusal (a pin mismatch fails all connections alike)', async () => {
    let calls = 0;
    const cache = createPackageCache(async () => {
      calls++;
      throw new Error('ARTIFACT_MISMATCH');
    });
    await expect(cache.fetch('pkg', '1.0.0', {})).rejects.toThrow('ARTIFACT_MISMATCH');
    await expect(cache.fetch('pkg', '1.0.0', {})).rejects.toThrow('ARTIFACT_MISMATCH');
    expect(calls).toBe(1);
    await cache.dispose();
  });
});
