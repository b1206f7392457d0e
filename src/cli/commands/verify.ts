import { resolve } from 'node:path';
import { CapsealError } from '../../shared/index.js';
import { readVerifiedLock, type VerifyLockOptions } from '../../sign/io/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../io.js';

const usage = `capseal verify --key FILE LOCK
       capseal verify --sigstore --issuer URL (--identity ID | --identity-regexp RE) [--trusted-root FILE] LOCK

Verify a lockfile's signature. Exit 0 verified · 1 not signed, wrong key/identity, or modified after signing ·
2 unreadable or malformed lockfile, key, signature or trusted root.
  --key FILE            Ed25519 public key (SPKI PEM); checks LOCK.sig
  --sigstore            keyless; checks LOCK.sigstore.json
  --issuer URL          OIDC issuer, e.g. https://token.actions.githubusercontent.com
  --identity ID         exact certificate identity, e.g.
                        https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/heads/main
  --identity-regexp RE  identity pattern (unanchored, as cosign; anchor it with ^…$)
  --trusted-root FILE   Sigstore trusted root (default: the public-good root shipped with capseal)`;

interface VerifyValues {
  key?: string;
  sigstore?: boolean;
  issuer?: string;
  identity?: string;
  'identity-regexp'?: string;
  'trusted-root'?: string;
}

export const verifyCommand: Command = {
  summary: "verify a lockfile's signature (Ed25519 key, or Sigstore identity)",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs<VerifyValues>('verify', argv, {
      key: { type: 'string' },
      sigstore: { type: 'boolean' },
      issuer: { type: 'string' },
      identity: { type: 'string' },
      'identity-regexp': { type: 'string' },
      'trusted-root': { type: 'string' },
    });
    if (positionals.length !== 1) {
      throw new CapsealError('USAGE', 'verify: expected exactly one lockfile', {
        details: ['see: capseal verify --help'],
      });
    }
    const path = resolve(io.cwd, positionals[0] as string);
    const options: VerifyLockOptions = { path, requireSignature: true };
    const keyless = [values.issuer, values.identity, values['identity-regexp'], values['trusted-root']];
    if (values.sigstore === true) {
      if (values.key !== undefined)
        throw new CapsealError('USAGE', 'verify: give either --key or --sigstore');
      if (values.issuer === undefined)
        throw new CapsealError('USAGE', 'verify --sigstore: --issuer URL is required');
      if ((values.identity === undefined) === (values['identity-regexp'] === undefined)) {
        throw new CapsealError(
          'USAGE',
          'verify --sigstore: give exactly one of --identity or --identity-regexp',
        );
      }
      options.sigstore = { issuer: values.issuer };
      if (values.identity !== undefined) options.sigstore.identity = values.identity;
      if (values['identity-regexp'] !== undefined)
        options.sigstore.identityRegexp = values['identity-regexp'];
      if (values['trusted-root'] !== undefined) {
        options.sigstore.trustedRootPath = resolve(io.cwd, values['trusted-root']);
      }
    } else if (values.key !== undefined) {
      if (keyless.some((v) => v !== undefined)) {
        throw new CapsealError(
          'USAGE',
          'verify: --issuer, --identity(-regexp) and --trusted-root need --sigstore',
        );
      }
      options.publicKeyPath = resolve(io.cwd, values.key);
    } else {
      throw new CapsealError('USAGE', 'verify: give --key FILE or --sigstore with --issuer and --identity');
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
