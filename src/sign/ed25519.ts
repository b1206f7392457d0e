import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { CapsealError, errorMessage } from '../shared/index.js';
import { parseSignatureFile, serializeSignatureFile } from './signature-file.js';
import type { SignatureVerifier, Signer, VerifiedSignature } from './types.js';

const SIGNATURE_BYTES = 64;

/** `sha256:<hex>` of the public key's SPKI DER encoding: the key id written into every `.sig`. */
export function fingerprintOf(publicKey: KeyObject): `sha256:${string}` {
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

/** A fresh Ed25519 key pair as standard PEM: PKCS#8 private key, SPKI public key. */
export function generateEd25519KeyPair(): { privateKeyPem: string; publicKeyPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    keyId: fingerprintOf(publicKey),
  };
}

function requireEd25519(key: KeyObject, origin: string, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new CapsealError('INVALID_INPUT', `${origin} is not an Ed25519 ${what}`, {
      details: [`key type: ${key.asymmetricKeyType ?? 'unknown'}`],
    });
  }
  return key;
}

/** Parse a PEM private key (PKCS#8); INVALID_INPUT if it is not an unencrypted Ed25519 private key. */
export function parsePrivateKeyPem(pem: string, origin = 'private key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `${origin} is not a readable PEM private key`, {
      details: [errorMessage(error)],
    });
  }
  return requireEd25519(key, origin, 'private key');
}

/**
 * Parse a PEM public key (SPKI). A private key is refused: verification must never need the secret, and
 * accepting one would invite pasting it into CI configuration.
 */
export function parsePublicKeyPem(pem: string, origin = 'public key'): KeyObject {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new CapsealError('INVALID_INPUT', `${origin} is a private key; verification takes the public key`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `${origin} is not a readable PEM public key`, {
      details: [errorMessage(error)],
    });
  }
  return requireEd25519(key, origin, 'public key');
}

/** Signs with an Ed25519 private key; the result is a `.sig` document naming the key by fingerprint. */
export function createEd25519Signer(privateKey: KeyObject): Signer {
  requireEd25519(privateKey, 'signing key', 'private key');
  const keyId = fingerprintOf(createPublicKey(privateKey));
  return {
    kind: 'ed25519',
    async sign(payload) {
      const signature = sign(null, payload, privateKey).toString('base64');
      return serializeSignatureFile({ algorithm: 'ed25519', keyId, signature, canonicalization: 'RFC8785' });
    },
  };
}

/**
 * Verifies `.sig` documents against one trusted public key. Order of checks: the document's shape (exit 2),
 * then the key id (wrong key, both fingerprints named), the signature length (truncated), and finally the
 * signature itself (lockfile or signature changed after signing).
 */
export function createEd25519Verifier(publicKey: KeyObject): SignatureVerifier {
  requireEd25519(publicKey, 'verification key', 'public key');
  const trustedId = fingerprintOf(publicKey);
  return {
    kind: 'ed25519',
    verify(payload, signatureText, origin): VerifiedSignature {
      const doc = parseSignatureFile(signatureText, origin);
      if (doc.keyId !== trustedId) {
        throw new CapsealError('SIGNATURE_INVALID', `${origin} was made with a different key`, {
          details: [`signed by: ${doc.keyId}`, `trusted key: ${trustedId}`],
        });
      }
      const signature = Buffer.from(doc.signature, 'base64');
      if (signature.length !== SIGNATURE_BYTES) {
        throw new CapsealError('SIGNATURE_INVALID', `${origin} holds a truncated or corrupted signature`, {
          details: [`signature: ${signature.length} bytes, an Ed25519 signature has ${SIGNATURE_BYTES}`],
        });
      }
      if (!verify(null, payload, publicKey, signature)) {
        throw new CapsealError('SIGNATURE_INVALID', `${origin} does not match the lockfile`, {
          details: ['the lockfile or its signature was modified after signing'],
        });
      }
      return { kind: 'ed25519', signer: trustedId };
    },
  };
}
