import { z } from 'zod';
import { parseJsonText, validateWith } from '../shared/index.js';

/**
 * `LOCK.sig`: the detached Ed25519 signature document. Strict: an unknown field, another algorithm or
 * another canonicalization is a malformed file (exit 2), never silently accepted.
 */
export const SignatureFileSchema = z
  .strictObject({
    algorithm: z.literal('ed25519').describe('Signature algorithm; only Ed25519 (RFC 8032) exists today.'),
    keyId: z
      .string()
      .regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 lowercase hex digits>')
      .describe('sha256 fingerprint of the signing public key (its SPKI DER encoding).'),
    signature: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected standard base64')
      .describe('Base64 of the raw 64-byte Ed25519 signature over the canonical lockfile bytes.'),
    canonicalization: z
      .literal('RFC8785')
      .describe('How the lockfile was turned into bytes before signing (JSON Canonicalization Scheme).'),
  })
  .describe('capseal detached Ed25519 signature of a lockfile');

export type SignatureFile = z.infer<typeof SignatureFileSchema>;

/** Parse and validate a `.sig` document; INVALID_INPUT listing every problem as `path: message`. */
export function parseSignatureFile(text: string, origin = 'signature file'): SignatureFile {
  return validateWith(
    SignatureFileSchema,
    parseJsonText(text, origin),
    origin,
    'a valid capseal signature file',
  );
}

/** The bytes of a `.sig` document: fixed key order, two-space indent, trailing newline. */
export function serializeSignatureFile(doc: SignatureFile): string {
  const ordered: SignatureFile = {
    algorithm: doc.algorithm,
    keyId: doc.keyId,
    signature: doc.signature,
    canonicalization: doc.canonicalization,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}
