import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { serializeLockfile } from '../../src/lockfile/index.js';
import {
  createEd25519Signer,
  createEd25519Verifier,
  fingerprintOf,
  generateEd25519KeyPair,
  parsePrivateKeyPem,
  parsePublicKeyPem,
} from '../../src/sign/ed25519.js';
import { lockfilePayload } from '../../src/sign/payload.js';
import { lockfile, serverEntry, tool } from '../helpers/factories.js';

const KEYS = join(import.meta.dirname, '..', '..', 'fixtures', 'keys');
const key = (name: string) => readFileSync(join(KEYS, name), 'utf8');

describe('ed25519', () => {
  const alice = parsePrivateKeyPem(key('alice.pem'));
  const alicePub = parsePublicKeyPem(key('alice.pub.pem'));
  const bobPub = parsePublicKeyPem(key('bob.pub.pem'));
  const text = serializeLockfile(lockfile());
  const payload = lockfilePayload(text);
  let sig = '';

  beforeAll(async () => {
    sig = await createEd25519Signer(alice).sign(payload);
  });

  const verify = (p: Buffer, s: string, pub = alicePub) =>
    createEd25519Verifier(pub).verify(p, s, 'LOCK.sig');
  const edit = (s: string, patch: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(s), ...patch });

  it('names keys by the sha256 of their SPKI DER', () => {
    expect(fingerprintOf(alicePub)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(fingerprintOf(createPublicKey(alice))).toBe(fingerprintOf(alicePub));
    expect(fingerprintOf(bobPub)).not.toBe(fingerprintOf(alicePub));
  });

  it('generates PKCS#8 / SPKI PEM pairs that sign and verify', async () => {
    const pair = generateEd25519KeyPair();
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(pair.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const s = await createEd25519Signer(parsePrivateKeyPem(pair.privateKeyPem)).sign(payload);
    expect(verify(payload, s, parsePublicKeyPem(pair.publicKeyPem))).toEqual({
      kind: 'ed25519',
      signer: pair.keyId,
    });
  });

  describe('a signature made with the key', () => {
    it('verifies, naming the key', () => {
      expect(verify(payload, sig)).toEqual({ kind: 'ed25519', signer: fingerprintOf(alicePub) });
    });

    it('still verifies after the lockfile is reformatted', () => {
      expect(verify(lockfilePayload(JSON.stringify(JSON.parse(text))), sig).kind).toBe('ed25519');
    });
  });

  describe('is rejected with SIGNATURE_INVALID (exit 1) when', () => {
    const cases: [string, () => unknown, RegExp][] = [
      [
        'the lockfile was edited',
        () => verify(lockfilePayload(text.replace('The echo', 'The evil')), sig),
        /does not match the lockfile/,
      ],
      [
        'the lockfile was re-sealed with a new tool',
        () =>
          verify(
            lockfilePayload(serializeLockfile(lockfile({ demo: serverEntry({ tools: [tool('rm')] }) }))),
            sig,
          ),
        /does not match the lockfile/,
      ],
      ['it is checked with another key', () => verify(payload, sig, bobPub), /made with a different key/],
      [
        'a signature byte was flipped',
        () => {
          const bytes = Buffer.from(JSON.parse(sig).signature as string, 'base64');
          bytes[10] = (bytes[10] ?? 0) ^ 1;
          return verify(payload, edit(sig, { signature: bytes.toString('base64') }));
        },
        /does not match the lockfile/,
      ],
      [
        'the signature is truncated',
        () =>
          verify(
            payload,
            edit(sig, {
              signature: Buffer.from(JSON.parse(sig).signature, 'base64').subarray(0, 40).toString('base64'),
            }),
          ),
        /truncated or corrupted/,
      ],
      [
        'the key id was swapped to match',
        () => verify(payload, edit(sig, { keyId: fingerprintOf(bobPub) }), bobPub),
        /does not match/,
      ],
    ];
    for (const [name, run, message] of cases) {
      it(name, () => {
        expect(run).toThrow(
          expect.objectContaining({ code: 'SIGNATURE_INVALID', message: expect.stringMatching(message) }),
        );
      });
    }

    it('the wrong key is named with both fingerprints', () => {
      try {
        verify(payload, sig, bobPub);
        expect.unreachable();
      } catch (error) {
        expect((error as { details: string[] }).details).toEqual([
          `signed by: ${fingerprintOf(alicePub)}`,
          `trusted key: ${fingerprintOf(bobPub)}`,
        ]);
      }
    });
  });

  describe('refuses malformed keys with INVALID_INPUT (exit 2)', () => {
    const cases: [string, () => unknown, RegExp][] = [
      [
        'a P-256 public key',
        () => parsePublicKeyPem(key('p256.pub.pem'), 'k'),
        /k is not an Ed25519 public key/,
      ],
      [
        'a PEM that is not a key',
        () => parsePublicKeyPem(key('garbage.pub.pem'), 'k'),
        /k is not a readable PEM public key/,
      ],
      [
        'a private key where a public key belongs',
        () => parsePublicKeyPem(key('alice.pem'), 'k'),
        /k is a private key/,
      ],
      [
        'a public key where the private key belongs',
        () => parsePrivateKeyPem(key('alice.pub.pem'), 'k'),
        /k is not a readable PEM private key/,
      ],
      ['an empty file', () => parsePrivateKeyPem('', 'k'), /k is not a readable PEM private key/],
    ];
    for (const [name, run, message] of cases) {
      it(name, () => {
        expect(run).toThrow(
          expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(message) }),
        );
      });
    }
  });
});
