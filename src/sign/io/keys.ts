import { randomBytes } from 'node:crypto';
import { type FileHandle, lstat, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CapsealError } from '../../shared/index.js';
import { generateEd25519KeyPair, parsePrivateKeyPem, parsePublicKeyPem } from '../ed25519.js';
import { readInputFile } from './files.js';

/** Read and parse an Ed25519 private key (PKCS#8 PEM); INVALID_INPUT when unreadable or not one. */
export async function readPrivateKey(path: string) {
  return parsePrivateKeyPem(await readInputFile(path, 'private key'), `private key ${path}`);
}

/** Read and parse an Ed25519 public key (SPKI PEM); INVALID_INPUT when unreadable or not one. */
export async function readPublicKey(path: string) {
  return parsePublicKeyPem(await readInputFile(path, 'public key'), `public key ${path}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function writeNew(path: string, text: string, mode: number): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    // 'wx' = O_CREAT|O_EXCL: fails if anything (even a dangling symlink) is already there.
    handle = await open(path, 'wx', mode);
    await handle.chmod(mode); // the umask may only have narrowed it, but be exact
    await handle.writeFile(text, 'utf8');
  } catch (error) {
    if (handle !== undefined) {
      await handle.close();
      handle = undefined;
      await rm(path, { force: true });
    }
    const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : '';
    throw new CapsealError(
      code === 'EEXIST' ? 'USAGE' : 'INVALID_INPUT',
      code === 'EEXIST'
        ? `${path} already exists (use --force to replace it)`
        : `cannot write ${path}: ${code}`,
      { cause: error },
    );
  } finally {
    await handle?.close();
  }
}

async function replace(path: string, text: string, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  await writeNew(tmp, text, mode);
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw new CapsealError('INVALID_INPUT', `cannot write ${path}`, { cause: error });
  }
}

/**
 * Generate an Ed25519 key pair and write it as PEM. The private key file is created with mode 0600 and
 * O_EXCL, so it is never readable by others, not even for a moment, and never replaces an existing file
 * unless `force` (then it is swapped in atomically). Both paths are checked before either is written.
 */
export async function writeKeyPair(
  privatePath: string,
  publicPath: string,
  options: { force?: boolean } = {},
): Promise<{ keyId: string }> {
  if (privatePath === publicPath) {
    throw new CapsealError('USAGE', 'keygen: --private and --public must be different files');
  }
  if (!options.force) {
    for (const path of [privatePath, publicPath]) {
      if (await exists(path)) {
        throw new CapsealError('USAGE', `${path} already exists (use --force to replace it)`);
      }
    }
  }
  const pair = generateEd25519KeyPair();
  const write = options.force ? replace : writeNew;
  await write(privatePath, pair.privateKeyPem, 0o600);
  await write(publicPath, pair.publicKeyPem, 0o644);
  return { keyId: pair.keyId };
}
