import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLocalNpmPackage, resolveArtifact } from '../../../src/snapshot/io/artifact.js';

const REPO = join(import.meta.dirname, '..', '..', '..');

describe('resolveArtifact', () => {
  it("pins a locally installed npm package from npm's install record (no network)", async () => {
    const artifact = await resolveArtifact(
      { kind: 'npm', name: '@modelcontextprotocol/server-memory' },
      { baseDir: REPO },
    );
    const lock = JSON.parse(readFileSync(join(REPO, 'node_modules/.package-lock.json'), 'utf8'));
    const record = lock.packages['node_modules/@modelcontextprotocol/server-memory'];
    expect(artifact).toEqual({
      kind: 'npm',
      name: '@modelcontextprotocol/server-memory',
      version: record.version,
      integrity: record.integrity,
    });
  });

  it('does not use a local install of another version', () => {
    expect(findLocalNpmPackage('@modelcontextprotocol/server-memory', '0.0.1', REPO)).toBeUndefined();
  });

  it('hashes a script with sha256, keeping the path as written', async () => {
    const path = 'fixtures/servers/drifting.mjs';
    const sha256 = createHash('sha256')
      .update(readFileSync(join(REPO, path)))
      .digest('hex');
    expect(await resolveArtifact({ kind: 'file', path }, { baseDir: REPO })).toEqual({
      kind: 'file',
      path,
      sha256,
    });
  });

  it('hashes a binary found on PATH', async () => {
    const artifact = await resolveArtifact(
      { kind: 'binary', command: 'node' },
      { pathEnv: process.env.PATH ?? '' },
    );
    expect(artifact).toMatchObject({
      kind: 'file',
      path: 'node',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('records what it cannot pin as unresolved, with the reason', async () => {
    expect(await resolveArtifact({ kind: 'file', path: 'missing.js' }, { baseDir: REPO })).toEqual({
      kind: 'unresolved',
      reason: 'script missing.js not found',
    });
    expect(
      await resolveArtifact(
        { kind: 'binary', command: 'capseal-no-such-binary' },
        { pathEnv: '/nonexistent' },
      ),
    ).toEqual({
      kind: 'unresolved',
      reason: 'capseal-no-such-binary not found on PATH',
    });
  });

  it('takes a docker digest from a pinned reference, else null when docker cannot tell', async () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    expect(await resolveArtifact({ kind: 'docker', image: `img@${digest}` })).toEqual({
      kind: 'docker',
      image: `img@${digest}`,
      digest,
    });
    expect(await resolveArtifact({ kind: 'docker', image: 'capseal-test/not-pulled:0' })).toEqual({
      kind: 'docker',
      image: 'capseal-test/not-pulled:0',
      digest: null,
    });
  });
});
