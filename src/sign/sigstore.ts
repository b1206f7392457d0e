import { bundleFromJSON, isBundleWithMessageSignature } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import {
  PolicyError,
  type Signer as SigstoreSigner,
  type TrustMaterial,
  toSignedEntity,
  toTrustMaterial,
  VerificationError,
  Verifier,
} from '@sigstore/verify';
import { assertFileDepth, CapsealError, errorMessage, parseJsonText } from '../shared/index.js';
import type { SignatureVerifier, VerifiedSignature } from './types.js';

/** Who may have signed: the OIDC issuer exactly, and the certificate identity exactly or by pattern. */
export interface SigstorePolicy {
  issuer: string;
  identity?: string;
  identityRegexp?: string;
}

/** How much independent evidence a bundle must carry (defaults: one of each, as sigstore-js does). */
export interface SigstoreThresholds {
  tlogThreshold?: number;
  ctlogThreshold?: number;
  timestampThreshold?: number;
}

/**
 * Parse a Sigstore trusted root (the `trusted_root.json` TUF target, or one written for a private
 * instance) into trust material. INVALID_INPUT when it is not JSON, or names no certificate authority.
 */
export function parseTrustedRoot(text: string, origin = 'trusted root'): TrustMaterial {
  const raw = parseJsonText(text, origin);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CapsealError('INVALID_INPUT', `${origin} is not a Sigstore trusted root`, {
      details: ['(root): expected an object'],
    });
  }
  try {
    const root = TrustedRoot.fromJSON(raw);
    if (root.certificateAuthorities.length === 0) {
      throw new Error('certificateAuthorities: no certificate authority');
    }
    return toTrustMaterial(root);
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `${origin} is not a usable Sigstore trusted root`, {
      details: [errorMessage(error)],
    });
  }
}

/** Validate an identity policy; USAGE when the identity is missing, doubled, or the pattern is invalid. */
export function checkSigstorePolicy(policy: SigstorePolicy): { issuer: string; identity: string | RegExp } {
  if (!policy.issuer)
    throw new CapsealError('USAGE', 'sigstore verification needs an issuer (--sigstore-issuer URL)');
  if (policy.identity !== undefined && policy.identityRegexp !== undefined) {
    throw new CapsealError('USAGE', 'give either an identity or an identity regexp, not both');
  }
  if (policy.identity !== undefined) return { issuer: policy.issuer, identity: policy.identity };
  if (policy.identityRegexp !== undefined) {
    try {
      return { issuer: policy.issuer, identity: new RegExp(policy.identityRegexp) };
    } catch (error) {
      throw new CapsealError('USAGE', `identity regexp is not a valid regular expression`, {
        details: [errorMessage(error)],
      });
    }
  }
  throw new CapsealError(
    'USAGE',
    'sigstore verification needs an identity (--sigstore-identity ID or --sigstore-identity-regexp RE)',
  );
}

function explain(error: VerificationError | PolicyError, origin: string): CapsealError {
  const reason: Record<string, string> = {
    CERTIFICATE_ERROR: 'its certificate is not trusted (unknown CA, or not valid when it was signed)',
    PUBLIC_KEY_ERROR: 'its signing key is not trusted',
    SIGNATURE_ERROR: 'its signature does not match the lockfile (modified after signing)',
    TIMESTAMP_ERROR: 'its timestamp evidence does not verify (untrusted timestamp authority, or modified)',
    TLOG_ERROR: 'its transparency log evidence does not verify',
    TLOG_INCLUSION_PROOF_ERROR: 'its transparency log inclusion proof does not verify',
    TLOG_INCLUSION_PROMISE_ERROR: 'its transparency log entry is not signed by a trusted log',
    TLOG_MISSING_INCLUSION_ERROR: 'its transparency log entry has no inclusion evidence',
    TLOG_BODY_ERROR: 'its transparency log entry does not match the signature (modified after signing)',
  };
  const why = reason[error.code] ?? `verification failed (${error.code})`;
  return new CapsealError('SIGNATURE_INVALID', `${origin} does not verify: ${why}`, {
    details: [error.message],
    cause: error,
  });
}

function matchIdentity(policy: { issuer: string; identity: string | RegExp }, signer: SigstoreSigner): void {
  const san = signer.identity?.subjectAlternativeName;
  const issuer = signer.identity?.extensions?.issuer;
  const wanted = typeof policy.identity === 'string' ? policy.identity : `/${policy.identity.source}/`;
  // An exact identity is compared as a string: sigstore-js would treat it as a pattern.
  const identityOk =
    san !== undefined &&
    (typeof policy.identity === 'string' ? san === policy.identity : policy.identity.test(san));
  if (!identityOk) {
    throw new CapsealError('SIGNATURE_INVALID', 'signed by an identity the policy does not allow', {
      details: [`certificate identity: ${san ?? '(none)'}`, `expected identity: ${wanted}`],
    });
  }
  if (issuer !== policy.issuer) {
    throw new CapsealError(
      'SIGNATURE_INVALID',
      'signed with a token from an issuer the policy does not allow',
      {
        details: [`certificate issuer: ${issuer ?? '(none)'}`, `expected issuer: ${policy.issuer}`],
      },
    );
  }
}

/**
 * Verifies Sigstore bundles (message signatures over the canonical lockfile bytes) against pre-loaded trust
 * material and an identity policy, synchronously: certificate chain to a trusted CA at the signing time,
 * SCTs, transparency log entries and timestamps, the signature, then identity and issuer.
 */
export function createSigstoreVerifier(
  trust: TrustMaterial,
  policy: SigstorePolicy,
  thresholds: SigstoreThresholds = {},
): SignatureVerifier {
  const checked = checkSigstorePolicy(policy);
  const verifier = new Verifier(trust, {
    tlogThreshold: thresholds.tlogThreshold ?? 1,
    ctlogThreshold: thresholds.ctlogThreshold ?? 1,
    timestampThreshold: thresholds.timestampThreshold ?? 1,
  });
  return {
    kind: 'sigstore',
    verify(payload, signatureText, origin): VerifiedSignature {
      let raw: unknown;
      assertFileDepth(signatureText, origin);
      try {
        raw = JSON.parse(signatureText);
      } catch (error) {
        throw new CapsealError('INVALID_INPUT', `${origin} is not valid JSON`, {
          details: [errorMessage(error)],
        });
      }
      let entity: ReturnType<typeof toSignedEntity>;
      try {
        const bundle = bundleFromJSON(raw);
        if (!isBundleWithMessageSignature(bundle)) {
          throw new Error('content: expected a message signature, got a DSSE envelope');
        }
        entity = toSignedEntity(bundle, Buffer.from(payload));
      } catch (error) {
        throw new CapsealError('INVALID_INPUT', `${origin} is not a valid Sigstore bundle`, {
          details: [errorMessage(error)],
        });
      }
      let signer: SigstoreSigner;
      try {
        signer = verifier.verify(entity);
      } catch (error) {
        if (error instanceof VerificationError || error instanceof PolicyError) throw explain(error, origin);
        throw new CapsealError('SIGNATURE_INVALID', `${origin} does not verify`, {
          details: [errorMessage(error)],
          cause: error,
        });
      }
      try {
        matchIdentity(checked, signer);
      } catch (error) {
        if (error instanceof CapsealError) {
          throw new CapsealError(error.code, `${origin} was ${error.message}`, { details: error.details });
        }
        throw error;
      }
      return {
        kind: 'sigstore',
        signer: signer.identity?.subjectAlternativeName ?? '(unknown)',
        issuer: signer.identity?.extensions?.issuer ?? '(unknown)',
      };
    },
  };
}
