import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ServerEntry } from '../../../src/lockfile/index.js';
import { verifyArtifactPin, verifyRemotePin } from '../../../src/proxy/io/index.js';
import { CapsealError } from '../../../src/shared/errors.js';

const integrity = `sha512-${'A'.repeat(86)}==`;

/** An installed copy: node_modules/some-server/package.json plus npm's hidden lockfile record. */
async function install(nodeModules: string, installed: { version: string; integrity: string }, files = {}) {
  await mkdir(join(nodeModules, 'some-server'), { recursive: true });
  await writeFile(
    join(nodeModules, 'some-server', 'package.json'),
    JSON.stringify({ version: installed.version }),
  );
  for (const [name, text] of Object.entries(files))
    await writeFile(join(nodeModules, 'some-server', name), text as string);
  await writeFile(
    join(nodeModules, '.package-lock.json'),
    JSON.stringify({ packages: { 'node_modules/some-server': installed } }),
  );
}

async function project(installed?: { version: string; integrity: string }) {
  const dir = await mkdtemp(join(tmpdir(), 'capseal-pin-'));
  await writeFile(join(dir, 'server.mjs'), 'console.log(1)');
  if (installed) await install(join(dir, 'node_modules'), installed);
  return dir;
}

/** An isolated npm home: `npm_config_cache` and `npm_config_prefix` in temp dirs. */
async function npmHome() {
  const root = await mkdtemp(join(tmpdir(), 'capseal-npm-'));
  const env = { npm_config_cache: join(root, 'cache'), npm_config_prefix: join(root, 'prefix') };
  return { root, env };
}

/** A gzipped ustar tarball of `package/<name>` files, as npm publishes, and its sha512 integrity. */
function tarball(files: Record<string, string>): { tgz: Buffer; integrity: string } {
  const blocks: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const body = Buffer.from(text);
    const header = Buffer.alloc(512);
    header.write(`package/${name}`, 0);
    header.write('0000644\0', 100);
    header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    header.fill(' ', 148, 156);
    const sum = header.reduce((a, b) => a + b, 0);
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  const tgz = gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));
  return { tgz, integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}` };
}

async function cacheTarball(cache: string, tgz: Buffer) {
  const hex = createHash('sha512').update(tgz).digest('hex');
  const dir = join(cache, '_cacache', 'content-v2', 'sha512', hex.slice(0, 2), hex.slice(2, 4));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, hex.slice(4)), tgz);
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
    const { env } = await npmHome();
    expect(
      await verifyArtifactPin(pin, { command: 'npx', args: ['-y', 'some-server@1.2.3'] }, ok, env),
    ).toMatchObject({
      status: 'verified',
    });
    const tampered = await project({ version: '1.2.3', integrity: `sha512-${'B'.repeat(86)}==` });
    await expect(
      verifyArtifactPin(pin, { command: 'npx', args: ['some-server'] }, tampered, env),
    ).rejects.toThrow(/not the artifact/);
    await expect(
      verifyArtifactPin(pin, { command: 'npx', args: ['some-server@2.0.0'] }, ok, env),
    ).rejects.toThrow(/not the artifact/);
  });

  it('checks the copy in the npx cache byte for byte against the pinned tarball', async () => {
    const files = { 'package.json': JSON.stringify({ version: '1.2.3' }), 'index.js': 'serve()' };
    const { tgz, integrity: pinned } = tarball(files);
    const pin = { kind: 'npm', name: 'some-server', version: '1.2.3', integrity: pinned } as const;
    const spec = { command: 'npx', args: ['-y', 'some-server@1.2.3'] };
    const { env } = await npmHome();
    const npx = join(env.npm_config_cache, '_npx', '0123456789abcdef', 'node_modules');
    await install(npx, { version: '1.2.3', integrity: pinned }, files);
    await cacheTarball(env.npm_config_cache, tgz);
    const dir = await project();
    expect(await verifyArtifactPin(pin, spec, dir, env)).toMatchObject({
      status: 'verified',
      detail: expect.stringMatching(/byte for byte/),
    });
    // Someone edits the cached copy npx will run: refused, naming the file.
    await writeFile(join(npx, 'some-server', 'index.js'), 'serve(); exfiltrate()');
    await expect(verifyArtifactPin(pin, spec, dir, env)).rejects.toMatchObject({
      code: 'ARTIFACT_MISMATCH',
      details: [expect.stringMatching(/npx cache .*index\.js differ/)],
    });
  });

  it('refuses a cached or global copy whose record or version is not the pinned one', async () => {
    const pin = { kind: 'npm', name: 'some-server', version: '1.2.3', integrity } as const;
    const dir = await project();
    const a = await npmHome();
    await install(join(a.env.npm_config_cache, '_npx', 'aa', 'node_modules'), {
      version: '1.2.3',
      integrity: `sha512-${'C'.repeat(86)}==`,
    });
    await expect(
      verifyArtifactPin(pin, { command: 'npx', args: ['-y', 'some-server@1.2.3'] }, dir, a.env),
    ).rejects.toThrow(/not the artifact/);
    const b = await npmHome();
    await install(join(b.env.npm_config_prefix, 'lib', 'node_modules'), { version: '9.9.9', integrity });
    await expect(
      verifyArtifactPin(pin, { command: 'npx', args: ['-y', 'some-server'] }, dir, b.env),
    ).rejects.toMatchObject({ details: [expect.stringMatching(/global prefix .*9\.9\.9/)] });
    // With the version in the command, npx would not run 9.9.9: nothing pinned is installed.
    expect(
      await verifyArtifactPin(pin, { command: 'npx', args: ['-y', 'some-server@1.2.3'] }, dir, b.env),
    ).toMatchObject({ status: 'unverifiable' });
  });

  it('says honestly when an npx download cannot be checked before it runs', async () => {
    const dir = await project();
    const r = await verifyArtifactPin(
      { kind: 'npm', name: 'some-server', version: '1.2.3', integrity },
      { command: 'npx', args: ['-y', 'some-server@1.2.3'] },
      dir,
      (await npmHome()).env,
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
