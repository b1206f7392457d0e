import { readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../../src/sign/ed25519.js';
import { readPrivateKey, readPublicKey, writeKeyPair } from '../../../src/sign/io/keys.js';

describe('key files', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capseal-keys-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  describe('writeKeyPair', () => {
    it('writes a 0600 PKCS#8 private key and an SPKI public key that belong together', async () => {
      const priv = join(dir, 'a.pem');
      const pub = join(dir, 'a.pub.pem');
      const { keyId } = await writeKeyPair(priv, pub);
      expect(statSync(priv).mode & 0o777).toBe(0o600);
      expect(readFileSync(priv, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(readFileSync(pub, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
      expect(fingerprintOf(await readPublicKey(pub))).toBe(keyId);
      expect((await readPrivateKey(priv)).asymmetricKeyType).toBe('ed25519');
    });

    it('never overwrites an existing file without force, and leaves both files untouched', async () => {
      const priv = join(dir, 'b.pem');
      const pub = join(dir, 'b.pub.pem');
      writeFileSync(pub, 'keep me');
      await expect(writeKeyPair(priv, pub)).rejects.toMatchObject({
        code: 'USAGE',
        message: `${pub} already exists (use --force to replace it)`,
      });
      expect(() => statSync(priv)).toThrow();
      expect(readFileSync(pub, 'utf8')).toBe('keep me');
    });

    it('refuses to write through a symlink planted at the private key path', async () => {
      const target = join(dir, 'elsewhere');
      const priv = join(dir, 'c.pem');
      symlinkSync(target, priv);
      await expect(writeKeyPair(priv, join(dir, 'c.pub.pem'))).rejects.toMatchObject({ code: 'USAGE' });
      expect(() => statSync(target)).toThrow();
    });

    it('with force, replaces both files and the private key is 0600 even if the old file was not', async () => {
      const priv = join(dir, 'd.pem');
      const pub = join(dir, 'd.pub.pem');
      writeFileSync(priv, 'old', { mode: 0o644 });
      writeFileSync(pub, 'old');
      const { keyId } = await writeKeyPair(priv, pub, { force: true });
      expect(statSync(priv).mode & 0o777).toBe(0o600);
      expect(fingerprintOf(await readPublicKey(pub))).toBe(keyId);
    });

    it('refuses the same path for both keys', async () => {
      const same = join(dir, 'same.pem');
      await expect(writeKeyPair(same, same)).rejects.toMatchObject({ code: 'USAGE' });
    });
  });

  describe('reading keys', () => {
    it('names a missing file with INVALID_INPUT', async () => {
      const missing = join(dir, 'missing.pem');
      await expect(readPublicKey(missing)).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        message: `cannot read public key ${missing}: no such file`,
      });
      await expect(readPrivateKey(dir)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });
  });
});
