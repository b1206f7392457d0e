export {
  createEd25519Signer,
  createEd25519Verifier,
  fingerprintOf,
  generateEd25519KeyPair,
  parsePrivateKeyPem,
  parsePublicKeyPem,
} from './ed25519.js';
export { lockfilePayload } from './payload.js';
export {
  parseSignatureFile,
  type SignatureFile,
  SignatureFileSchema,
  serializeSignatureFile,
} from './signature-file.js';
export {
  checkSigstorePolicy,
  createSigstoreVerifier,
  parseTrustedRoot,
  type SigstorePolicy,
  type SigstoreThresholds,
} from './sigstore.js';
export {
  SIDECAR_SUFFIX,
  type SignatureKind,
  type SignatureVerifier,
  type Signer,
  type VerifiedSignature,
} from './types.js';
