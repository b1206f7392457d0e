import { describe, expect, it } from 'vitest';
import { parseSignatureFile, serializeSignatureFile } from '../../src/sign/signature-file.js';

const good = {
  algorithm: 'ed25519',
  keyId: `sha256:${'ab'.repeat(32)}`,
  signature: Buffer.alloc(64, 7).toString('base64'),
  canonicalization: 'RFC8785',
} as const;

describe('signature file', () => {
  it('round-trips with a fixed key order and a trailing newline', () => {
    const text = serializeSignatureFile(good);
    expect(text.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(text) as object)).toEqual([
      'algorithm',
      'keyId',
      'signature',
      'canonicalization',
    ]);
    expect(parseSignatureFile(text)).toEqual(good);
  });

  describe('is malformed (INVALID_INPUT, every problem by path) when', () => {
    const cases: [string, unknown, string[]][] = [
      ['another algorithm', { ...good, algorithm: 'rsa' }, ['algorithm: ']],
      ['another canonicalization', { ...good, canonicalization: 'none' }, ['canonicalization: ']],
      ['a key id that is not a sha256 fingerprint', { ...good, keyId: 'alice' }, ['keyId: ']],
      ['a signature that is not base64', { ...good, signature: 'not base64!' }, ['signature: ']],
      ['an unknown field', { ...good, extra: 1 }, ['(root): ']],
      ['fields are missing', { algorithm: 'ed25519' }, ['keyId: ', 'signature: ', 'canonicalization: ']],
    ];
    for (const [name, doc, paths] of cases) {
      it(`it has ${name}`, () => {
        try {
          parseSignatureFile(JSON.stringify(doc), 'x.sig');
          expect.unreachable();
        } catch (error) {
          expect(error).toMatchObject({
            code: 'INVALID_INPUT',
            message: 'x.sig is not a valid capseal signature file',
          });
          const details = (error as { details: string[] }).details;
          for (const p of paths) expect(details.some((d) => d.startsWith(p))).toBe(true);
        }
      });
    }

    it('it is not JSON (a truncated file)', () => {
      expect(() => parseSignatureFile(serializeSignatureFile(good).slice(0, 40), 'x.sig')).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', message: 'x.sig is not valid JSON' }),
      );
    });
  });
});
