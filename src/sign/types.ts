/** The two kinds of lockfile signature capseal makes and checks. */
export type SignatureKind = 'ed25519' | 'sigstore';

/** Where each kind's sidecar document lives, next to the lockfile: `capseal.lock.json.sig` and so on. */
export const SIDECAR_SUFFIX: Readonly<Record<SignatureKind, string>> = {
  ed25519: '.sig',
  sigstore: '.sigstore.json',
};

/**
 * Makes a signature over a lockfile's canonical bytes. Signing may do I/O (Sigstore talks to Fulcio, Rekor
 * and a timestamp authority), so it is asynchronous; what it returns is the complete text of the sidecar
 * document, ready to be written next to the lockfile.
 */
export interface Signer {
  readonly kind: SignatureKind;
  sign(payload: Uint8Array): Promise<string>;
}

/** Who a verified signature belongs to: an Ed25519 key id, or a certificate identity and its issuer. */
export interface VerifiedSignature {
  kind: SignatureKind;
  /** `sha256:<fingerprint>` for Ed25519; the certificate's subject alternative name for Sigstore. */
  signer: string;
  /** The OIDC issuer recorded in the Sigstore certificate. */
  issuer?: string;
}

/**
 * Checks a sidecar document against a lockfile's canonical bytes. Constructed over pre-loaded trust material
 * (a public key, a trusted root plus an identity policy) and synchronous: no I/O happens while deciding.
 * Throws CapsealError SIGNATURE_INVALID (exit 1) when the signature does not hold, INVALID_INPUT (exit 2)
 * when the document is not a well-formed signature at all.
 */
export interface SignatureVerifier {
  readonly kind: SignatureKind;
  verify(payload: Uint8Array, signatureText: string, origin: string): VerifiedSignature;
}
