import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Drift, Severity } from '../diff/index.js';
import { diffLocks } from '../diff/index.js';
import { compareKeys, LOCKFILE_VERSION, type Lockfile, parseLockfile } from '../lockfile/index.js';
import { buildReport, type Report } from '../report/index.js';
import { CapsealError, errorMessage } from '../shared/index.js';

export interface DiffOptions {
  /** The two lockfiles as the user named them (reports use these names), relative to `cwd`. */
  oldPath: string;
  newPath: string;
  cwd: string;
  failOn: Severity;
  /** The message nesting limit (docs/limits.md, CAPSEAL_MAX_JSON_DEPTH); lockfiles may nest 8 more. */
  maxJsonDepth?: number;
}

/**
 * `capseal diff`: read and fully validate both lockfiles (an entry edited without re-locking is refused,
 * naming it), diff them and decide. Returns the report and NEW's text, for SARIF locations.
 */
export async function runDiff(options: DiffOptions): Promise<{ report: Report; newText: string }> {
  const oldText = await readLockText(options.cwd, options.oldPath);
  const newText = await readLockText(options.cwd, options.newPath);
  const depth = options.maxJsonDepth === undefined ? {} : { maxJsonDepth: options.maxJsonDepth };
  const base = parseLockfile(oldText, options.oldPath, depth);
  // Entries identical to the (verified) base need not be hashed twice.
  const head = parseLockfile(newText, options.newPath, { verifiedBase: base, ...depth });
  const drifts = diffLocks(base, head);
  const servers = [...new Set([...Object.keys(base.servers), ...Object.keys(head.servers)])].sort(
    compareKeys,
  );
  const report = buildReport({
    kind: 'diff',
    lockfile: options.newPath,
    base: options.oldPath,
    servers,
    drifts,
    failOn: options.failOn,
  });
  return { report, newText };
}

/** Drifts between two lockfile texts (base undefined: the lockfile is new), e.g. a PR's base and head. */
export function diffLockTexts(base: string | undefined, head: string, origin: string): Drift[] {
  const baseLock: Lockfile =
    base === undefined
      ? { lockfileVersion: LOCKFILE_VERSION, servers: {} }
      : parseLockfile(base, `${origin} base`);
  return diffLocks(baseLock, parseLockfile(head, `${origin} head`));
}

async function readLockText(cwd: string, path: string): Promise<string> {
  try {
    return await readFile(resolve(cwd, path), 'utf8');
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `cannot read ${path}`, { details: [errorMessage(error)] });
  }
}
