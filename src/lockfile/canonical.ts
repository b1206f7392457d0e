import { hash } from 'node:crypto';
import canonicalizeJson from 'canonicalize';
import { CapsealError } from '../shared/index.js';

/**
 * RFC 8785 (JSON Canonicalization Scheme) serialization. Everything capseal hashes or signs goes through
 * here; never JSON.stringify for a digest.
 */
export function canonicalize(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalizeJson(value);
  } catch (err) {
    // A lone surrogate, a non-finite number, a cycle: the value has no canonical form. Callers that take
    // untrusted input check with findUnhashable first; this keeps any other path a typed refusal.
    throw new CapsealError('INVALID_INPUT', `value cannot be canonicalized: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (text === undefined)
    throw new CapsealError('INVALID_INPUT', 'value cannot be canonicalized (undefined)');
  return text;
}

/** Whether two values have the same canonical form; a value with none (a lone surrogate) equals nothing. */
export function sameCanonical(a: unknown, b: unknown): boolean {
  try {
    return canonicalize(a) === canonicalize(b);
  } catch {
    return false;
  }
}

/** sha256 of the canonical (UTF-8) bytes, as `sha256:<hex>`. One-shot `hash()`: ~2.5× cheaper than createHash per entry. */
export function digestOf(value: unknown): `sha256:${string}` {
  return `sha256:${hash('sha256', canonicalize(value), 'hex')}`;
}
