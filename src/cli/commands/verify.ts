import { resolve } from 'node:path';
import { CapsealError } from '../../shared/index.js';
import { readVerifiedLock, type VerifyLockOptions } from '../../sign/io/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../io.js';

const usage = `capseal verify --key FILE LOCK
       capseal verify --sigstore-issuer URL (--sigstore-identity ID | --sigstore-identity-regexp RE)
                      [--trusted-root FILE] LOCK

Verify a lockfile's signature. Exit 0 verified · 1 not signed, wrong key/identity, or modified after signing ·
2 unreadable or malformed lockfile, key, signature or trusted root.
  --key FILE                     Ed25519 public key (SPKI PEM); checks LOCK.sig
  --sigstore-issuer URL          keyless, checks LOCK.sigstore.json: the OIDC issuer, e.g.
                                 https://token.actions.githubusercontent.com
  --sigstore-identity ID         exact certificate identity, e.g.
                                 https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/heads/main
  --sigstore-identity-regexp RE  identity pattern (unanchored, as cosign; anchor it with ^…$)
  --trusted-root FILE            Sigstore trusted root (default: the public-good root shipped with capseal)
  --sigstore                     optional: says keyless explicitly (the --sigstore-* options imply it)
The same options as check and proxy take; --issuer, --identity and --identity-regexp are deprecated spellings.`;

interface VerifyValues {
  key?: string;
  sigstore?: boolean;
  'sigstore-issuer'?: string;
  'sigstore-identity'?: string;
  'sigstore-identity-regexp'?: string;
  'trusted-root'?: string;
}

export const verifyCommand: Command = {
  summary: "verify a lockfile's signature (Ed25519 key, or Sigstore identity)",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs<VerifyValues>(
      'verify',
      argv,
      {
        key: { type: 'string' },
        sigstore: { type: 'boolean' },
        'sigstore-issuer': { type: 'string' },
        'sigstore-identity': { type: 'string' },
        'sigstore-identity-regexp': { type: 'string' },
        'trusted-root': { type: 'string' },
      },
      { stderr: io.stderr, maxPositionals: 1 },
    );
    if (positionals.length !== 1) {
      throw new CapsealError('USAGE', 'verify: expected exactly one lockfile', {
        details: ['see: capseal verify --help'],
      });
    }
    const path = resolve(io.cwd, positionals[0] as string);
    const options: VerifyLockOptions = { path, requireSignature: true };
    const issuer = values['sigstore-issuer'];
    const identity = values['sigstore-identity'];
    const identityRegexp = values['sigstore-identity-regexp'];
    const keyless = [issuer, identity, identityRegexp, values['trusted-root']];
    if (values.sigstore === true || keyless.some((v) => v !== undefined)) {
      if (values.key !== undefined)
        throw new CapsealError('USAGE', 'verify: give either --key or the --sigstore-* options, not both');
      if (issuer === undefined)
        throw new CapsealError('USAGE', 'verify: keyless verification needs --sigstore-issuer URL');
      if ((identity === undefined) === (identityRegexp === undefined)) {
        throw new CapsealError(
          'USAGE',
          'verify: give exactly one of --sigstore-identity or --sigstore-identity-regexp',
        );
      }
      options.sigstore = { issuer };
      if (identity !== undefined) options.sigstore.identity = identity;
      if (identityRegexp !== undefined) options.sigstore.identityRegexp = identityRegexp;
      if (values['trusted-root'] !== undefined) {
        options.sigstore.trustedRootPath = resolve(io.cwd, values['trusted-root']);
      }
    } else if (values.key !== undefined) {
      options.publicKeyPath = resolve(io.cwd, values.key);
    } else {
      throw new CapsealError(
        'USAGE',
        'verify: give --key FILE, or --sigstore-issuer URL with --sigstore-identity(-regexp)',
      );
    }
    const { verified } = await readVerifiedLock(options);
    const by =
      verified === undefined
        ? 'no signature'
        : verified.kind === 'ed25519'
          ? `ed25519 key ${verified.signer}`
          : `sigstore identity ${verified.signer} (issuer ${verified.issuer})`;
    io.stdout.write(`verified ${positionals[0]}: signed by ${by}\n`);
    return 0;
  },
};
