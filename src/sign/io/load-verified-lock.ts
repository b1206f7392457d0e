import { type Lockfile, parseLockfile } from '../../lockfile/index.js';
import { CapsealError } from '../../shared/index.js';
import { createEd25519Verifier } from '../ed25519.js';
import { lockfilePayload } from '../payload.js';
import { checkSigstorePolicy, createSigstoreVerifier } from '../sigstore.js';
import { SIDECAR_SUFFIX, type SignatureVerifier, type VerifiedSignature } from '../types.js';
import { readInputFile, readSidecar } from './files.js';
import { readPublicKey } from './keys.js';
import { readTrustedRoot } from './trusted-root.js';

export interface VerifyLockOptions {
  path: string;
  /** Refuse an unsigned or badly signed lockfile (implied by publicKeyPath or sigstore). */
  requireSignature?: boolean;
  /** Ed25519 public key (SPKI PEM); the signature is read from `<path>.sig`. */
  publicKeyPath?: string;
  /** Keyless: who may have signed; the bundle is read from `<path>.sigstore.json`. */
  sigstore?: { identity?: string; identityRegexp?: string; issuer: string; trustedRootPath?: string };
  /** The message nesting limit (docs/limits.md); the lockfile may nest the file allowance more. */
  maxJsonDepth?: number;
}

export interface VerifiedLock {
  lock: Lockfile;
  text: string;
  signature: 'none' | 'ed25519' | 'sigstore';
}

/** Trust material first (I/O), so that deciding is one synchronous call. */
async function readVerifier(options: VerifyLockOptions): Promise<SignatureVerifier | undefined> {
  if (options.publicKeyPath !== undefined && options.sigstore !== undefined) {
    throw new CapsealError('USAGE', 'verify with either a public key or a Sigstore identity, not both');
  }
  if (options.publicKeyPath !== undefined)
    return createEd25519Verifier(await readPublicKey(options.publicKeyPath));
  if (options.sigstore !== undefined) {
    const { trustedRootPath, ...policy } = options.sigstore;
    checkSigstorePolicy(policy); // usage errors before any file is read
    return createSigstoreVerifier(await readTrustedRoot(trustedRootPath), policy);
  }
  if (options.requireSignature) {
    throw new CapsealError('USAGE', '--require-signature needs trust material to verify against', {
      details: [
        '--key FILE (an Ed25519 public key), or',
        '--sigstore-issuer URL with --sigstore-identity ID or --sigstore-identity-regexp RE',
      ],
    });
  }
  return undefined;
}

/**
 * Read a lockfile and, when asked, prove it is signed before anyone trusts it. Returns the lockfile, its
 * exact text, and which signature held. The signature is checked over the canonical bytes before the
 * lockfile's own validation, so any change after signing is SIGNATURE_INVALID (exit 1); an unsigned
 * lockfile is refused the same way. Unreadable or malformed inputs (lockfile, key, sidecar, trusted root)
 * are INVALID_INPUT (exit 2); inconsistent options are USAGE (exit 2).
 */
export async function loadVerifiedLock(options: VerifyLockOptions): Promise<VerifiedLock> {
  const { lock, text, verified } = await readVerifiedLock(options);
  return { lock, text, signature: verified?.kind ?? 'none' };
}

/** loadVerifiedLock plus who signed, for `capseal verify` to report. */
export async function readVerifiedLock(
  options: VerifyLockOptions,
): Promise<{ lock: Lockfile; text: string; verified: VerifiedSignature | undefined }> {
  const verifier = await readVerifier(options);
  const text = await readInputFile(options.path, 'lockfile');
  const depth = options.maxJsonDepth === undefined ? {} : { maxJsonDepth: options.maxJsonDepth };
  if (verifier === undefined)
    return { lock: parseLockfile(text, options.path, depth), text, verified: undefined };
  const payload = lockfilePayload(text, options.path, options.maxJsonDepth);
  const sidecarPath = `${options.path}${SIDECAR_SUFFIX[verifier.kind]}`;
  const sidecar = await readSidecar(sidecarPath, options.path);
  const verified = verifier.verify(payload, sidecar, sidecarPath);
  return { lock: parseLockfile(text, options.path, depth), text, verified };
}
