import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeLockfile } from '../../src/lockfile/index.js';
import { runCli } from '../helpers/cli.js';
import { lockfile } from '../helpers/factories.js';
import { type SigstoreMock, startSigstoreMock } from '../helpers/sigstore-mock.js';

const KEYS = join(import.meta.dirname, '..', '..', 'fixtures', 'keys');
const cleanEnv = () => {
  const env = { ...process.env };
  for (const name of [
    'SIGSTORE_ID_TOKEN',
    'ACTIONS_ID_TOKEN_REQUEST_URL',
    'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  ]) {
    delete env[name];
  }
  return env;
};

describe('capseal sign', () => {
  let dir = '';
  let mock: SigstoreMock;
  let lock = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capseal-sign-'));
    mock = await startSigstoreMock();
    lock = join(dir, 'capseal.lock.json');
    await writeFile(lock, serializeLockfile(lockfile()));
  });
  afterAll(async () => {
    await mock.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('--key writes LOCK.sig', async () => {
    const result = await runCli(['sign', '--key', join(KEYS, 'alice.pem'), lock], {});
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^signed .*capseal\.lock\.json \(ed25519, sha256:[0-9a-f]{64}\)$/m);
    expect(JSON.parse(await readFile(join(dir, 'capseal.lock.json.sig'), 'utf8'))).toMatchObject({
      algorithm: 'ed25519',
      canonicalization: 'RFC8785',
    });
  });

  it('--sigstore signs keylessly with the GitHub Actions OIDC token and writes LOCK.sigstore.json', async () => {
    const result = await runCli(['sign', '--sigstore', lock], {
      env: mock.env(cleanEnv()),
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`(sigstore, ${mock.subject} (issuer ${mock.issuer}))`);
    const bundle = JSON.parse(await readFile(join(dir, 'capseal.lock.json.sigstore.json'), 'utf8'));
    const material = bundle.verificationMaterial;
    expect(material.certificate ?? material.x509CertificateChain).toBeDefined();
    expect(material.tlogEntries).toHaveLength(1);
  });

  it('--sigstore outside Actions and without SIGSTORE_ID_TOKEN says how to get a token (exit 2)', async () => {
    const result = await runCli(['sign', '--sigstore', lock], { env: cleanEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no OIDC identity token for keyless signing');
    expect(result.stderr).toContain('permissions: id-token: write');
  });

  it('needs exactly one of --key and --sigstore (exit 2)', async () => {
    const result = await runCli(['sign', '--sigstore', '--key', 'k.pem', lock]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('give exactly one of --key FILE or --sigstore');
  });
});
