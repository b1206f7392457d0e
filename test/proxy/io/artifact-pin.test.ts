import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServerEntry } from '../../../src/lockfile/index.js';
import { verifyArtifactPin, verifyRemotePin } from '../../../src/proxy/io/index.js';
import { CapsealError } from '../../../src/shared/errors.js';

const integrity = `sha512-${'A'.repeat(86)}==`;

async function project(installed?: { version: string; integrity: string }) {
  const dir = await mkdtemp(join(tmpdir(), 'capseal-pin-'));
  await writeFile(join(dir, 'server.mjs'), 'console.log(1)');
  if (installed) {
    await mkdir(join(dir, 'node_modules'), { recursive: true });
    await writeFile(
      join(dir, 'node_modules', '.package-lock.json'),
      JSON.stringify({ packages: { 'node_modules/some-server': installed } }),
    );
  }
  return dir;
}

describe('verifyArtifactPin', () => {
  it('verifies the sha256 of the script a node command runs, and refuses another', async () => {
    const dir = await project();
    const sha = '2e5ad8e07d4b6f7ee2db0a6b5c7e2b1ba5b1b8aa0ffd2b3d8b5c2e4e4d3d0d1b';
    const err = await verifyArtifactPin(
      { kind: 'file', path: 'server.mjs', sha256: sha },
      { command: 'node', args: ['server.mjs'] },
      dir,
      {},
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CapsealError);
    expect((err as CapsealError).code).toBe('ARTIFACT_MISMATCH');
  });

  it('checks an npx package against the locally installed copy', async () => {
    const pin = { kind: 'npm', name: 'some-server', version: '1.2.3', integrity } as const;
    const ok = await project({ version: '1.2.3', integrity });
    expect(
      await verifyArtifactPin(pin, { command: 'npx', args: ['-y', 'some-server@1.2.3'] }, ok, {}),
    ).toMatchObject({
      status: 'verified',
    });
    const tampered = await project({ version: '1.2.3', integrity: `sha512-${'B'.repeat(86)}==` });
    await expect(
      verifyArtifactPin(pin, { command: 'npx', args: ['some-server'] }, tampered, {}),
    ).rejects.toThrow(/not the artifact/);
    await expect(
      verifyArtifactPin(pin, { command: 'npx', args: ['some-server@2.0.0'] }, ok, {}),
    ).rejects.toThrow(/not the artifact/);
  });

  it('says honestly when an npx download cannot be checked before it runs', async () => {
    const dir = await project();
    const r = await verifyArtifactPin(
      { kind: 'npm', name: 'some-server', version: '1.2.3', integrity },
      { command: 'npx', args: ['-y', 'some-server@1.2.3'] },
      dir,
      {},
    );
    expect(r).toMatchObject({ status: 'unverifiable', detail: expect.stringMatching(/cannot be checked/) });
  });
});

describe('verifyRemotePin', () => {
  const url = 'http://127.0.0.1:8080/mcp';
  const remote = {
    artifact: { kind: 'remote', url },
    source: { transport: 'streamable-http', url },
  } as const;
  const local: Pick<ServerEntry, 'artifact' | 'source'> = {
    artifact: { kind: 'file', path: 'server.mjs', sha256: 'a'.repeat(64) },
    source: { transport: 'stdio', command: 'node', args: ['server.mjs'] },
  };

  it('accepts the locked URL, also when written differently (host case, default port)', () => {
    expect(verifyRemotePin(remote, url)).toMatchObject({ status: 'verified' });
    expect(verifyRemotePin(remote, 'HTTP://127.0.0.1:8080/mcp')).toMatchObject({ status: 'verified' });
    const https = {
      artifact: { kind: 'remote', url: 'https://mcp.example.com/mcp' },
      source: remote.source,
    } as const;
    expect(verifyRemotePin(https, 'https://MCP.example.com:443/mcp')).toMatchObject({ status: 'verified' });
  });

  it('refuses another host, port, path or scheme, and a URL for a server locked as a local artifact', () => {
    for (const other of [
      'http://127.0.0.1:8081/mcp',
      'http://127.0.0.1:8080/other',
      'https://127.0.0.1:8080/mcp',
      'http://localhost:8080/mcp',
    ]) {
      expect(() => verifyRemotePin(remote, other)).toThrow(/not the one the lockfile pins/);
    }
    expect(() => verifyRemotePin(local, url)).toThrow(CapsealError);
    expect(() => verifyRemotePin(local, url)).toThrow(/not the one the lockfile pins/);
  });
});
