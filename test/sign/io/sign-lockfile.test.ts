import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeLockfile } from '../../../src/lockfile/index.js';
import { parseSignatureFile } from '../../../src/sign/index.js';
import { signLockfileEd25519, signLockfileSigstore } from '../../../src/sign/io/sign-lockfile.js';
import { lockfile } from '../../helpers/factories.js';
import { type SigstoreMock, startSigstoreMock } from '../../helpers/sigstore-mock.js';

const KEYS = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'keys');

describe('signing a lockfile file', () => {
  let dir = '';
  let mock: SigstoreMock;
  const text = serializeLockfile(lockfile());

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capseal-signfile-'));
    mock = await startSigstoreMock();
  });
  afterAll(async () => {
    await mock.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('with an Ed25519 key', () => {
    it('writes LOCK.sig naming the key', async () => {
      const lock = join(dir, 'a.lock.json');
      await writeFile(lock, text);
      const result = await signLockfileEd25519(lock, join(KEYS, 'alice.pem'));
      expect(result).toMatchObject({ kind: 'ed25519', signaturePath: `${lock}.sig` });
      expect(parseSignatureFile(await readFile(`${lock}.sig`, 'utf8')).keyId).toBe(result.signer);
    });

    it('refuses to sign something that is not a valid lockfile (INVALID_INPUT), writing nothing', async () => {
      const lock = join(dir, 'bad.lock.json');
      await writeFile(lock, text.replace('"lockfileVersion": 1', '"lockfileVersion": 1, "extra": true'));
      await expect(signLockfileEd25519(lock, join(KEYS, 'alice.pem'))).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      await expect(readFile(`${lock}.sig`)).rejects.toThrow();
    });

    it('refuses a public key as the signing key (INVALID_INPUT)', async () => {
      const lock = join(dir, 'c.lock.json');
      await writeFile(lock, text);
      await expect(signLockfileEd25519(lock, join(KEYS, 'alice.pub.pem'))).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    });
  });

  describe('keylessly with Sigstore (the Action path: OIDC from ACTIONS_ID_TOKEN_REQUEST_*)', () => {
    it('writes LOCK.sigstore.json and reports the token identity', async () => {
      const lock = join(dir, 'k.lock.json');
      await writeFile(lock, text);
      const result = await signLockfileSigstore(lock, { env: mock.env(), retries: 0 });
      expect(result).toEqual({
        kind: 'sigstore',
        lockPath: lock,
        signaturePath: `${lock}.sigstore.json`,
        signer: `${mock.subject} (issuer ${mock.issuer})`,
      });
      expect(JSON.parse(await readFile(result.signaturePath, 'utf8')).messageSignature).toBeDefined();
    });

    it('is SERVER_FAILED naming the endpoints when Fulcio is unreachable', async () => {
      const lock = join(dir, 'down.lock.json');
      await copyFile(join(dir, 'k.lock.json'), lock);
      const env = { ...mock.env(), CAPSEAL_FULCIO_URL: 'http://127.0.0.1:9' };
      await expect(signLockfileSigstore(lock, { env, retries: 0 })).rejects.toMatchObject({
        code: 'SERVER_FAILED',
        message: 'keyless signing with Sigstore failed',
        details: expect.arrayContaining(['fulcio: http://127.0.0.1:9']),
      });
    });
  });
});
