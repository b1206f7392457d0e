export { writeKeyPair } from './keys.js';
export { loadVerifiedLock, readVerifiedLock, type VerifyLockOptions } from './load-verified-lock.js';
export { signLockfileEd25519, signLockfileSigstore } from './sign-lockfile.js';
