import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CapsealError, errorMessage } from '../../shared/index.js';

function reason(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    return error.code === 'ENOENT'
      ? 'no such file'
      : error.code === 'EACCES'
        ? 'permission denied'
        : error.code;
  }
  return errorMessage(error);
}

/** Read a UTF-8 file we were pointed at; INVALID_INPUT (exit 2) naming the file when it cannot be read. */
export async function readInputFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `cannot read ${what} ${path}: ${reason(error)}`, {
      cause: error,
    });
  }
}

/**
 * Read a signature sidecar. A missing sidecar means the lockfile is unsigned: that is the gate saying no
 * (SIGNATURE_INVALID, exit 1), not bad input. Any other read failure is INVALID_INPUT.
 */
export async function readSidecar(path: string, lockPath: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error && typeof error === 'object' && 'code' in error && error.code === 'ENOENT') {
      throw new CapsealError('SIGNATURE_INVALID', `${lockPath} is not signed: ${path} does not exist`, {
        details: ['sign it with `capseal sign`, or check the path'],
      });
    }
    throw new CapsealError('INVALID_INPUT', `cannot read signature ${path}: ${reason(error)}`, {
      cause: error,
    });
  }
}

/** Write a file atomically (temporary file in the same directory, then rename), so readers never see half. */
export async function writeFileAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, { flag: 'wx', mode });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw new CapsealError('INVALID_INPUT', `cannot write ${path}: ${reason(error)}`, { cause: error });
  }
}
