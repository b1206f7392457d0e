import { createPublicKey } from 'node:crypto';
import { sign as sigstoreSign } from 'sigstore';
import { parseLockfile } from '../../lockfile/index.js';
import { CapsealError } from '../../shared/index.js';
import { createEd25519Signer, fingerprintOf } from '../ed25519.js';
import { lockfilePayload } from '../payload.js';
import { SIDECAR_SUFFIX, type SignatureKind, type Signer } from '../types.js';
import { readInputFile, writeFileAtomic } from './files.js';
import { readPrivateKey } from './keys.js';
import { peekTokenClaims, readIdentityToken } from './oidc.js';

const DEFAULT_FULCIO_URL = 'https://fulcio.sigstore.dev';
const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';

/** Endpoints and context for keyless signing. Unset endpoints fall back to CAPSEAL_* env, then public good. */
export interface SigstoreSignOptions {
  /** Where the OIDC token comes from (SIGSTORE_ID_TOKEN or ACTIONS_ID_TOKEN_REQUEST_*) and CAPSEAL_* URLs. */
  env: NodeJS.ProcessEnv;
  fulcioURL?: string;
  rekorURL?: string;
  /** An RFC 3161 timestamp authority; none by default (Rekor's integrated time is the timestamp). */
  tsaURL?: string;
  /** Retries per service call (sigstore-js default: 2). */
  retries?: number;
  timeoutMs?: number;
  /** Injected for tests; the global fetch otherwise (used for the OIDC token request only). */
  fetch?: typeof fetch;
}

export interface SignResult {
  kind: SignatureKind;
  lockPath: string;
  signaturePath: string;
  /** The key id (Ed25519) or the token subject and issuer (Sigstore) that signed. */
  signer: string;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/**
 * A Signer backed by Sigstore: exchanges the OIDC token for a short-lived Fulcio certificate, signs the
 * payload with an ephemeral key, records it in Rekor (and a TSA when configured) and returns the standard
 * bundle JSON. Service failures are SERVER_FAILED (exit 3).
 */
function createSigstoreSigner(options: SigstoreSignOptions): Signer {
  const fulcioURL = options.fulcioURL ?? options.env.CAPSEAL_FULCIO_URL ?? DEFAULT_FULCIO_URL;
  const rekorURL = options.rekorURL ?? options.env.CAPSEAL_REKOR_URL ?? DEFAULT_REKOR_URL;
  const tsaServerURL = options.tsaURL ?? (options.env.CAPSEAL_TSA_URL || undefined);
  return {
    kind: 'sigstore',
    async sign(payload) {
      const token = await readIdentityToken({ env: options.env, fetch: options.fetch });
      try {
        const bundle = await sigstoreSign(Buffer.from(payload), {
          fulcioURL,
          rekorURL,
          tsaServerURL,
          identityProvider: { getToken: () => Promise.resolve(token) },
          retry: { retries: options.retries ?? 2 },
          timeout: options.timeoutMs ?? 15_000,
        });
        return `${JSON.stringify(bundle, null, 2)}\n`;
      } catch (error) {
        throw new CapsealError('SERVER_FAILED', 'keyless signing with Sigstore failed', {
          details: [
            describe(error),
            `fulcio: ${fulcioURL}`,
            `rekor: ${rekorURL}`,
            `tsa: ${tsaServerURL ?? '(none)'}`,
          ],
          cause: error,
        });
      }
    },
  };
}

async function signWith(path: string, signer: Signer, who: string): Promise<SignResult> {
  const text = await readInputFile(path, 'lockfile');
  parseLockfile(text, path); // never sign something that is not a valid lockfile
  const document = await signer.sign(lockfilePayload(text, path));
  const signaturePath = `${path}${SIDECAR_SUFFIX[signer.kind]}`;
  await writeFileAtomic(signaturePath, document);
  return { kind: signer.kind, lockPath: path, signaturePath, signer: who };
}

/** `capseal sign --key KEY LOCK`: writes `LOCK.sig` over the lockfile's canonical bytes. */
export async function signLockfileEd25519(path: string, privateKeyPath: string): Promise<SignResult> {
  const privateKey = await readPrivateKey(privateKeyPath);
  return signWith(path, createEd25519Signer(privateKey), fingerprintOf(createPublicKey(privateKey)));
}

/**
 * `capseal sign --sigstore LOCK`, and the Action's keyless signing: the one code path that gets the OIDC
 * token, signs the lockfile's canonical bytes through Fulcio/Rekor(/TSA) and writes `LOCK.sigstore.json`.
 */
export async function signLockfileSigstore(path: string, options: SigstoreSignOptions): Promise<SignResult> {
  const token = await readIdentityToken({ env: options.env, fetch: options.fetch });
  const claims = peekTokenClaims(token);
  // Hand the token we already have to the signer, so the token endpoint is asked exactly once.
  const signer = createSigstoreSigner({ ...options, env: { ...options.env, SIGSTORE_ID_TOKEN: token } });
  const who = `${claims.subject ?? '(unknown subject)'} (issuer ${claims.issuer ?? 'unknown'})`;
  return signWith(path, signer, who);
}
