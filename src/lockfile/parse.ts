import { CapsealError, fileDepthLimit, formatPath, parseJsonText, validateWith } from '../shared/index.js';
import { digestEntry, digestServerInfo } from './digest.js';
import {
  ENTRY_KINDS,
  LOCKFILE_VERSIONS,
  type Lockfile,
  LockfileSchema,
  type ServerEntry,
  type Surface,
} from './schema.js';

export { formatPath };

/** Options for verifying a lockfile next to one already verified (e.g. the base of a diff). */
export interface ParseOptions {
  /**
   * A lockfile whose digests were already verified. An entry of the new file that has the same key, the
   * same digest and the same serialized body as an entry there is known-good without hashing it again
   * (same body, same key ⇒ same canonical bytes ⇒ same digest). Everything else is hashed.
   */
  verifiedBase?: Lockfile;
  /**
   * The message nesting limit (docs/limits.md, CAPSEAL_MAX_JSON_DEPTH); the lockfile may nest the file
   * allowance more. A deeper text is refused before it is parsed.
   */
  maxJsonDepth?: number;
}

function sameVerified(base: object | undefined, body: { digest: string }): boolean {
  if (base === undefined || (base as { digest?: unknown }).digest !== body.digest) return false;
  return JSON.stringify(base) === JSON.stringify(body);
}

function surfaceMismatches(
  at: readonly PropertyKey[],
  surface: Surface | ServerEntry,
  base: Surface | ServerEntry | undefined,
  problems: string[],
): void {
  const infoKnownGood = sameVerified(base?.server, surface.server);
  if (!infoKnownGood && surface.server.digest !== digestServerInfo(surface.server)) {
    problems.push(
      `${formatPath([...at, 'server', 'digest'])}: does not match the server info (edited without re-locking?)`,
    );
  }
  for (const kind of ENTRY_KINDS) {
    const baseBodies = base?.[kind] as Record<string, object> | undefined;
    for (const [key, body] of Object.entries(surface[kind] as Record<string, { digest: string }>)) {
      const known =
        baseBodies !== undefined && Object.hasOwn(baseBodies, key) && sameVerified(baseBodies[key], body);
      if (!known && body.digest !== digestEntry(kind, key, body)) {
        problems.push(
          `${formatPath([...at, kind, key, 'digest'])}: does not match the entry (edited without re-locking?)`,
        );
      }
    }
  }
}

/** Every digest that does not match its entry (either generation's surface), as `path: message` lines. Pure. */
function findDigestMismatches(lock: Lockfile, options: ParseOptions = {}): string[] {
  const problems: string[] = [];
  for (const [serverName, entry] of Object.entries(lock.servers)) {
    const baseEntry = options.verifiedBase?.servers[serverName];
    surfaceMismatches(['servers', serverName], entry, baseEntry, problems);
    if (entry.eras !== undefined) {
      surfaceMismatches(
        ['servers', serverName, 'eras', 'legacy'],
        entry.eras.legacy,
        baseEntry?.eras?.legacy,
        problems,
      );
    }
  }
  return problems;
}

/**
 * Parse and fully validate lockfile text: JSON syntax, the schema (every issue, by path), and every digest.
 * Throws INVALID_INPUT (exit 2) listing all problems; returns a Lockfile that can be trusted to be
 * internally consistent (not that it is signed: see sign/).
 */
export function parseLockfile(text: string, origin = 'lockfile', options: ParseOptions = {}): Lockfile {
  const raw = parseJsonText(text, origin, fileDepthLimit(options.maxJsonDepth));
  if (
    raw !== null &&
    typeof raw === 'object' &&
    'lockfileVersion' in raw &&
    !(LOCKFILE_VERSIONS as readonly unknown[]).includes(raw.lockfileVersion)
  ) {
    throw new CapsealError('INVALID_INPUT', `${origin} has unsupported lockfileVersion`, {
      details: [
        `lockfileVersion: expected ${LOCKFILE_VERSIONS.join(' or ')}, got ${JSON.stringify(raw.lockfileVersion)}`,
      ],
    });
  }
  // zod's records silently drop a "__proto__" key; a tool of that name must not vanish unnoticed.
  if (text.includes('"__proto__"')) {
    const found = findProtoKeys(raw, []);
    if (found.length > 0) {
      throw new CapsealError('INVALID_INPUT', `${origin} uses the reserved key "__proto__"`, {
        details: found.map((p) => `${formatPath(p)}: the key "__proto__" is not allowed`),
      });
    }
  }
  // A version-1 entry is a version-2 entry without the version-2 fields (see Lockfile).
  const lock: Lockfile = validateWith(LockfileSchema, raw, origin, 'a valid capseal lockfile');
  const mismatches = findDigestMismatches(lock, options);
  if (mismatches.length > 0) {
    throw new CapsealError('INVALID_INPUT', `${origin} has entries whose digest does not match`, {
      details: mismatches,
    });
  }
  return lock;
}

function findProtoKeys(value: unknown, path: PropertyKey[]): PropertyKey[][] {
  if (value === null || typeof value !== 'object') return [];
  const found: PropertyKey[][] = [];
  for (const key of Object.keys(value)) {
    if (key === '__proto__') found.push([...path, key]);
    else found.push(...findProtoKeys((value as Record<string, unknown>)[key], [...path, key]));
  }
  return found;
}
