import { resolve } from 'node:path';
import { CapsealError } from '../shared/index.js';
import type { VerifyLockOptions } from '../sign/io/index.js';
import type { OptionSpec } from './args.js';

/**
 * The options every lockfile consumer (`check`, `proxy`, the Action) offers to insist on a signed
 * lockfile. Spread into a command's parseArgs spec; turn the values into loadVerifiedLock options with
 * toVerifyLockOptions.
 */
export const signatureOptionSpec = {
  'require-signature': { type: 'boolean' },
  key: { type: 'string' },
  'sigstore-identity': { type: 'string' },
  'sigstore-identity-regexp': { type: 'string' },
  'sigstore-issuer': { type: 'string' },
  'trusted-root': { type: 'string' },
} as const satisfies OptionSpec;

export interface SignatureOptionValues {
  'require-signature'?: boolean;
  key?: string;
  'sigstore-identity'?: string;
  'sigstore-identity-regexp'?: string;
  'sigstore-issuer'?: string;
  'trusted-root'?: string;
}

/** Usage lines for commands that spread signatureOptionSpec. */
export const signatureOptionUsage = [
  '  --require-signature            refuse an unsigned or badly signed lockfile',
  '  --key FILE                     Ed25519 public key; LOCK.sig must verify (implies --require-signature)',
  '  --sigstore-issuer URL          keyless: OIDC issuer; LOCK.sigstore.json must verify',
  '  --sigstore-identity ID         keyless: exact certificate identity (or:)',
  '  --sigstore-identity-regexp RE  keyless: certificate identity pattern',
  '  --trusted-root FILE            keyless: Sigstore trusted root (default: public good)',
].join('\n');

/**
 * Map parsed option values to loadVerifiedLock options. USAGE (exit 2) for inconsistent combinations:
 * identity options without an issuer (or the reverse), both identity forms, --trusted-root without a
 * Sigstore identity. Relative paths resolve against `cwd` when given.
 */
export function toVerifyLockOptions(
  path: string,
  values: SignatureOptionValues,
  cwd?: string,
): VerifyLockOptions {
  const at = (p: string) => (cwd === undefined ? p : resolve(cwd, p));
  const issuer = values['sigstore-issuer'];
  const identity = values['sigstore-identity'];
  const identityRegexp = values['sigstore-identity-regexp'];
  const trustedRoot = values['trusted-root'];
  const anySigstore = issuer !== undefined || identity !== undefined || identityRegexp !== undefined;
  const options: VerifyLockOptions = {
    path: at(path),
    requireSignature: values['require-signature'] === true,
  };
  if (values.key !== undefined) {
    options.publicKeyPath = at(values.key);
    options.requireSignature = true;
  }
  if (anySigstore) {
    if (issuer === undefined) {
      throw new CapsealError(
        'USAGE',
        '--sigstore-identity/--sigstore-identity-regexp need --sigstore-issuer URL',
      );
    }
    if ((identity === undefined) === (identityRegexp === undefined)) {
      throw new CapsealError(
        'USAGE',
        '--sigstore-issuer needs exactly one of --sigstore-identity or --sigstore-identity-regexp',
      );
    }
    options.sigstore = { issuer };
    if (identity !== undefined) options.sigstore.identity = identity;
    if (identityRegexp !== undefined) options.sigstore.identityRegexp = identityRegexp;
    if (trustedRoot !== undefined) options.sigstore.trustedRootPath = at(trustedRoot);
    options.requireSignature = true;
  } else if (trustedRoot !== undefined) {
    throw new CapsealError(
      'USAGE',
      '--trusted-root only applies with --sigstore-issuer and a --sigstore-identity',
    );
  }
  if (options.publicKeyPath !== undefined && options.sigstore !== undefined) {
    throw new CapsealError('USAGE', 'give either --key or the --sigstore-* options, not both');
  }
  return options;
}
