import { describe, expect, it } from 'vitest';
import { serializeLockfile } from '../../src/lockfile/index.js';
import { lockfilePayload } from '../../src/sign/payload.js';
import { lockfile } from '../helpers/factories.js';

describe('lockfilePayload', () => {
  const text = serializeLockfile(lockfile());

  it('is the RFC 8785 canonical form: no whitespace, sorted keys', () => {
    const payload = lockfilePayload('{ "b": [1, 2.50, "\\u0041"], "a": {"d": true, "c": null} }').toString(
      'utf8',
    );
    expect(payload).toBe('{"a":{"c":null,"d":true},"b":[1,2.5,"A"]}');
  });

  describe('when the lockfile is only reformatted', () => {
    it('gives the same bytes (minified, tab-indented, keys reversed)', () => {
      const value = JSON.parse(text) as Record<string, unknown>;
      const reversed = Object.fromEntries(Object.entries(value).reverse());
      for (const variant of [
        JSON.stringify(value),
        JSON.stringify(value, null, '\t'),
        JSON.stringify(reversed),
      ]) {
        expect(lockfilePayload(variant).equals(lockfilePayload(text))).toBe(true);
      }
    });
  });

  describe('when a value changes', () => {
    it('gives different bytes', () => {
      expect(
        lockfilePayload(text.replace('The echo tool', 'The echo tool!')).equals(lockfilePayload(text)),
      ).toBe(false);
    });
  });

  it('refuses text that is not JSON with INVALID_INPUT', () => {
    expect(() => lockfilePayload('{"a":', 'x.lock.json')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: 'x.lock.json is not valid JSON' }),
    );
  });
});
