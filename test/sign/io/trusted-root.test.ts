import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicGoodTrustedRootText, readTrustedRoot } from '../../../src/sign/io/trusted-root.js';

describe('readTrustedRoot', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capseal-root-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('defaults to the public-good root shipped in @sigstore/tuf, offline', async () => {
    expect(JSON.parse(publicGoodTrustedRootText()).certificateAuthorities.length).toBeGreaterThan(0);
    const trust = await readTrustedRoot();
    expect(trust.certificateAuthorities.length).toBeGreaterThan(0);
    expect(trust.tlogs.map((t) => t.baseURL)).toContain('https://rekor.sigstore.dev');
  });

  it('reads a file, and names it when it is missing or malformed (INVALID_INPUT)', async () => {
    const file = join(dir, 'root.json');
    await writeFile(file, publicGoodTrustedRootText());
    expect((await readTrustedRoot(file)).ctlogs.length).toBeGreaterThan(0);
    await writeFile(file, '[]');
    await expect(readTrustedRoot(file)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: `trusted root ${file} is not a Sigstore trusted root`,
    });
    await expect(readTrustedRoot(join(dir, 'none.json'))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
