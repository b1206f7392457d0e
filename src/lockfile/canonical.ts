import { createHash } from 'node:crypto';
import canonicalizeJson from 'canonicalize';

/**
 * RFC 8785 (JSON Canonicalization Scheme) serialization. Everything capseal hashes or signs goes through
 * here; never JSON.stringify for a digest.
 */
export function canonicalize(value: unknown): string {
  const text = canonicalizeJson(value);
  if (text === undefined) throw new TypeError('value cannot be canonicalized (undefined)');
  return text;
}

/** sha256 of the canonical bytes, as `sha256:<hex>`. */
export function digestOf(value: unknown): `sha256:${string}` {
  return `sha256:${createHash('sha256').update(canonicalize(value), 'utf8').digest('hex')}`;
}
