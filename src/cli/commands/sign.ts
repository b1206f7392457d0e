import { resolve } from 'node:path';
import { CapsealError } from '../../shared/index.js';
import { signLockfileEd25519, signLockfileSigstore } from '../../sign/io/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../io.js';

const usage = `capseal sign --key FILE LOCK
       capseal sign --sigstore [--fulcio-url URL] [--rekor-url URL] [--tsa-url URL] LOCK

Sign the RFC 8785 canonical bytes of a lockfile.
  --key FILE     Ed25519 private key (PKCS#8 PEM); writes LOCK.sig
  --sigstore     keyless: OIDC token from GitHub Actions (permissions: id-token: write) or SIGSTORE_ID_TOKEN;
                 writes LOCK.sigstore.json (a standard Sigstore bundle)
  --fulcio-url, --rekor-url, --tsa-url
                 private Sigstore instance (also CAPSEAL_FULCIO_URL, CAPSEAL_REKOR_URL, CAPSEAL_TSA_URL)`;

interface SignValues {
  key?: string;
  sigstore?: boolean;
  'fulcio-url'?: string;
  'rekor-url'?: string;
  'tsa-url'?: string;
}

export const signCommand: Command = {
  summary: 'sign a lockfile (Ed25519 key, or keyless with Sigstore)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs<SignValues>(
      'sign',
      argv,
      {
        key: { type: 'string' },
        sigstore: { type: 'boolean' },
        'fulcio-url': { type: 'string' },
        'rekor-url': { type: 'string' },
        'tsa-url': { type: 'string' },
      },
      { stderr: io.stderr, maxPositionals: 1 },
    );
    if (positionals.length !== 1) {
      throw new CapsealError('USAGE', 'sign: expected exactly one lockfile', {
        details: ['see: capseal sign --help'],
      });
    }
    const lockPath = resolve(io.cwd, positionals[0] as string);
    if ((values.key === undefined) === (values.sigstore !== true)) {
      throw new CapsealError('USAGE', 'sign: give exactly one of --key FILE or --sigstore');
    }
    const endpoints = [values['fulcio-url'], values['rekor-url'], values['tsa-url']];
    if (values.key !== undefined && endpoints.some((e) => e !== undefined)) {
      throw new CapsealError(
        'USAGE',
        'sign: --fulcio-url, --rekor-url and --tsa-url only apply with --sigstore',
      );
    }
    const result =
      values.key !== undefined
        ? await signLockfileEd25519(lockPath, resolve(io.cwd, values.key))
        : await signLockfileSigstore(lockPath, {
            env: io.env,
            fulcioURL: values['fulcio-url'],
            rekorURL: values['rekor-url'],
            tsaURL: values['tsa-url'],
          });
    io.stdout.write(
      `signed ${positionals[0]} (${result.kind}, ${result.signer})\nwrote ${result.signaturePath}\n`,
    );
    return 0;
  },
};
