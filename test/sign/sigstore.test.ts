import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrustMaterial } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeLockfile } from '../../src/lockfile/index.js';
import { signLockfileSigstore } from '../../src/sign/io/sign-lockfile.js';
import { lockfilePayload } from '../../src/sign/payload.js';
import { createSigstoreVerifier, parseTrustedRoot, type SigstorePolicy } from '../../src/sign/sigstore.js';
import { lockfile } from '../helpers/factories.js';
import { type SigstoreMock, startSigstoreMock } from '../helpers/sigstore-mock.js';

// Real cryptography against @sigstore/mock services on 127.0.0.1: sign once per instance, verify many ways.
describe('sigstore verification', () => {
  let dir = '';
  let ours: SigstoreMock;
  let other: SigstoreMock;
  let expired: SigstoreMock;
  let trust: TrustMaterial;
  let text = '';
  let bundle = '';
  let expiredBundle = '';
  let policy: SigstorePolicy;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capseal-sigstore-'));
    [ours, other, expired] = await Promise.all([
      startSigstoreMock(),
      startSigstoreMock(),
      startSigstoreMock({ certificateClockOffsetMs: -3_600_000 }),
    ]);
    trust = parseTrustedRoot(JSON.stringify(ours.trustedRoot));
    policy = { issuer: ours.issuer, identity: ours.subject };
    text = serializeLockfile(lockfile());
    const lockPath = join(dir, 'capseal.lock.json');
    const expiredPath = join(dir, 'expired.lock.json');
    await writeFile(lockPath, text);
    await writeFile(expiredPath, text);
    await signLockfileSigstore(lockPath, { env: ours.env(), retries: 0 });
    await signLockfileSigstore(expiredPath, { env: expired.env(), retries: 0 });
    bundle = await readFile(`${lockPath}.sigstore.json`, 'utf8');
    expiredBundle = await readFile(`${expiredPath}.sigstore.json`, 'utf8');
  });

  afterAll(async () => {
    await Promise.all([ours?.close(), other?.close(), expired?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  const verify = (p: SigstorePolicy, b = bundle, t = trust, payloadText = text) =>
    createSigstoreVerifier(t, p).verify(lockfilePayload(payloadText), b, 'LOCK.sigstore.json');

  it('writes a standard bundle: certificate, transparency log entry and RFC 3161 timestamp', () => {
    const json = JSON.parse(bundle);
    expect(json.mediaType).toMatch(/^application\/vnd\.dev\.sigstore\.bundle/);
    expect(json.messageSignature.messageDigest.algorithm).toBe('SHA2_256');
    expect(json.verificationMaterial.tlogEntries).toHaveLength(1);
    expect(json.verificationMaterial.timestampVerificationData.rfc3161Timestamps).toHaveLength(1);
  });

  describe('with the right trusted root, issuer and identity', () => {
    it('verifies and names the signer', () => {
      expect(verify(policy)).toEqual({ kind: 'sigstore', signer: ours.subject, issuer: ours.issuer });
    });

    it('accepts an identity regexp that matches', () => {
      const p = {
        issuer: ours.issuer,
        identityRegexp: '^https://github\\.com/acme/tools/\\.github/workflows/',
      };
      expect(verify(p).signer).toBe(ours.subject);
    });

    it('still verifies after the lockfile is reformatted', () => {
      expect(verify(policy, bundle, trust, JSON.stringify(JSON.parse(text))).kind).toBe('sigstore');
    });
  });

  describe('rejects with SIGNATURE_INVALID (exit 1)', () => {
    const rejects = (run: () => unknown, message: RegExp, detail?: RegExp) => {
      try {
        run();
        expect.unreachable();
      } catch (error) {
        expect(error).toMatchObject({ code: 'SIGNATURE_INVALID', message: expect.stringMatching(message) });
        if (detail) expect((error as { details: string[] }).details.join('\n')).toMatch(detail);
      }
    };

    it('a wrong identity, naming both', () =>
      rejects(
        () =>
          verify({
            ...policy,
            identity: 'https://github.com/acme/other/.github/workflows/release.yml@refs/heads/main',
          }),
        /identity the policy does not allow/,
        /certificate identity: https:\/\/github\.com\/acme\/tools/,
      ));

    it('an exact identity that would only match as a pattern', () =>
      rejects(
        () => verify({ ...policy, identity: 'https://github.com/acme/tools' }),
        /identity the policy does not allow/,
      ));

    it('an identity regexp that does not match', () =>
      rejects(
        () => verify({ issuer: ours.issuer, identityRegexp: '^https://github\\.com/evil/' }),
        /identity/,
      ));

    it('a wrong issuer, naming both', () =>
      rejects(
        () => verify({ ...policy, issuer: 'https://accounts.google.com' }),
        /issuer the policy does not allow/,
        /certificate issuer: https:\/\/token\.actions\.example\.test/,
      ));

    it('a tampered lockfile', () =>
      rejects(
        () => verify(policy, bundle, trust, text.replace('The echo', 'The evil')),
        /signature does not match the lockfile/,
      ));

    it('a tampered signature', () => {
      const json = JSON.parse(bundle);
      const sig = Buffer.from(json.messageSignature.signature, 'base64');
      sig[sig.length - 5] = (sig[sig.length - 5] ?? 0) ^ 1;
      json.messageSignature.signature = sig.toString('base64');
      rejects(() => verify(policy, JSON.stringify(json)), /does not verify/);
    });

    it('a certificate from an untrusted CA (only the CA is swapped for another instance)', () => {
      const root = { ...ours.trustedRoot, certificateAuthorities: other.trustedRoot.certificateAuthorities };
      rejects(
        () => verify(policy, bundle, parseTrustedRoot(JSON.stringify(root))),
        /certificate is not trusted/,
      );
    });

    it("everything from another instance's trusted root", () =>
      rejects(
        () => verify(policy, bundle, parseTrustedRoot(JSON.stringify(other.trustedRoot))),
        /does not verify: its (timestamp|certificate)/,
      ));

    it('a certificate that had expired when it was used', () =>
      rejects(
        () => verify(policy, expiredBundle, parseTrustedRoot(JSON.stringify(expired.trustedRoot)), text),
        /certificate is not trusted/,
      ));

    it('a bundle without transparency log evidence', () => {
      const json = JSON.parse(bundle);
      json.verificationMaterial.tlogEntries = [];
      rejects(() => verify(policy, JSON.stringify(json)), /transparency log/);
    });
  });

  describe('refuses malformed input with INVALID_INPUT (exit 2)', () => {
    const cases: [string, () => unknown, RegExp][] = [
      ['a bundle that is not JSON', () => verify(policy, bundle.slice(0, 100)), /is not valid JSON/],
      [
        'a JSON document that is not a bundle',
        () => verify(policy, '{"hello":1}'),
        /not a valid Sigstore bundle/,
      ],
      [
        'a trusted root that is not JSON',
        () => parseTrustedRoot('nope', 'root.json'),
        /root.json is not valid JSON/,
      ],
      [
        'a trusted root without CAs',
        () => parseTrustedRoot('{"mediaType":"x"}', 'root.json'),
        /not a usable Sigstore trusted root/,
      ],
    ];
    for (const [name, run, message] of cases) {
      it(name, () => {
        expect(run).toThrow(
          expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(message) }),
        );
      });
    }
  });

  describe('refuses an incomplete policy with USAGE (exit 2)', () => {
    const cases: [string, SigstorePolicy][] = [
      ['no identity', { issuer: 'https://x' }],
      ['both identity forms', { issuer: 'https://x', identity: 'a', identityRegexp: 'a' }],
      ['an invalid regexp', { issuer: 'https://x', identityRegexp: '(' }],
      ['an empty issuer', { issuer: '', identity: 'a' }],
    ];
    for (const [name, p] of cases) {
      it(name, () => {
        expect(() => createSigstoreVerifier(trust, p)).toThrow(expect.objectContaining({ code: 'USAGE' }));
      });
    }
  });
});
