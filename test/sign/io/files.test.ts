import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInputFile, readSidecar, writeFileAtomic } from '../../../src/sign/io/files.js';

describe('signature file I/O', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capseal-files-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writeFileAtomic replaces the file and leaves no temporary behind', async () => {
    const path = join(dir, 'x.sig');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two');
    expect(await readFile(path, 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['x.sig']);
  });

  it('a missing sidecar means unsigned: SIGNATURE_INVALID (exit 1)', async () => {
    await expect(readSidecar(join(dir, 'l.json.sig'), 'l.json')).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
      message: `l.json is not signed: ${join(dir, 'l.json.sig')} does not exist`,
    });
  });

  it('an unreadable sidecar or input is INVALID_INPUT (exit 2)', async () => {
    await expect(readSidecar(dir, 'l.json')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(readInputFile(dir, 'lockfile')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: `cannot read lockfile ${dir}: EISDIR`,
    });
  });
});
