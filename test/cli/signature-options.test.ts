import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { signatureOptionSpec, toVerifyLockOptions } from '../../src/cli/signature-options.js';

const parse = (args: string[]) =>
  parseArgs({ args, options: signatureOptionSpec, allowPositionals: true, strict: true }).values;

describe('signature options', () => {
  describe('toVerifyLockOptions', () => {
    it('asks for nothing without options', () => {
      expect(toVerifyLockOptions('capseal.lock.json', parse([]))).toEqual({
        path: 'capseal.lock.json',
        requireSignature: false,
      });
    });

    it('--require-signature alone is passed on (loadVerifiedLock then asks for trust material)', () => {
      expect(toVerifyLockOptions('l', parse(['--require-signature'])).requireSignature).toBe(true);
    });

    it('--key implies requiring a signature, resolved against cwd', () => {
      expect(toVerifyLockOptions('l.json', parse(['--key', 'k.pub']), '/repo')).toEqual({
        path: '/repo/l.json',
        requireSignature: true,
        publicKeyPath: '/repo/k.pub',
      });
    });

    it('maps the keyless options', () => {
      const values = parse([
        '--sigstore-issuer',
        'https://token.actions.githubusercontent.com',
        '--sigstore-identity-regexp',
        '^https://github\\.com/acme/',
        '--trusted-root',
        'root.json',
      ]);
      expect(toVerifyLockOptions('l', values)).toEqual({
        path: 'l',
        requireSignature: true,
        sigstore: {
          issuer: 'https://token.actions.githubusercontent.com',
          identityRegexp: '^https://github\\.com/acme/',
          trustedRootPath: 'root.json',
        },
      });
    });

    describe('is USAGE when', () => {
      const cases: [string, string[]][] = [
        ['an identity has no issuer', ['--sigstore-identity', 'x']],
        ['an issuer has no identity', ['--sigstore-issuer', 'https://i']],
        [
          'both identity forms are given',
          ['--sigstore-issuer', 'https://i', '--sigstore-identity', 'a', '--sigstore-identity-regexp', 'a'],
        ],
        ['--trusted-root comes without an identity', ['--trusted-root', 'r.json']],
        [
          'both a key and an identity are given',
          ['--key', 'k', '--sigstore-issuer', 'https://i', '--sigstore-identity', 'a'],
        ],
      ];
      for (const [name, args] of cases) {
        it(name, () => {
          expect(() => toVerifyLockOptions('l', parse(args))).toThrow(
            expect.objectContaining({ code: 'USAGE' }),
          );
        });
      }
    });
  });
});
