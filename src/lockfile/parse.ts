import { CapsealError } from '../shared/errors.js';
import { digestEntry, digestServerInfo } from './digest.js';
import { ENTRY_KINDS, type Lockfile, LockfileSchema } from './schema.js';

/** Format a zod-style path (['servers', 'a', 'tools', 'x']) as `servers.a.tools["x"]`-ish readable text. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((p, i) => {
      if (typeof p === 'number') return `[${p}]`;
      const s = String(p);
      const safe = /^[A-Za-z_$][\w$-]*$/.test(s);
      if (safe) return i === 0 ? s : `.${s}`;
      return `[${JSON.stringify(s)}]`;
    })
    .join('');
}

/** Every digest that does not match its entry, as `path: message` lines. Pure. */
export function findDigestMismatches(lock: Lockfile): string[] {
  const problems: string[] = [];
  for (const [serverName, entry] of Object.entries(lock.servers)) {
    const expectedInfo = digestServerInfo(entry.server);
    if (entry.server.digest !== expectedInfo) {
      problems.push(
        `${formatPath(['servers', serverName, 'server', 'digest'])}: does not match the server info (edited without re-locking?)`,
      );
    }
    for (const kind of ENTRY_KINDS) {
      for (const [key, body] of Object.entries(entry[kind] as Record<string, { digest: string }>)) {
        if (body.digest !== digestEntry(kind, key, body)) {
          problems.push(
            `${formatPath(['servers', serverName, kind, key, 'digest'])}: does not match the entry (edited without re-locking?)`,
          );
        }
      }
    }
  }
  return problems;
}

/**
 * Parse and fully validate lockfile text: JSON syntax, the schema (every issue, by path), and every digest.
 * Throws INVALID_INPUT (exit 2) listing all problems; returns a Lockfile that can be trusted to be
 * internally consistent (not that it is signed: see sign/).
 */
export function parseLockfile(text: string, origin = 'lockfile'): Lockfile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `${origin} is not valid JSON`, {
      details: [error instanceof Error ? error.message : String(error)],
    });
  }
  if (raw !== null && typeof raw === 'object' && 'lockfileVersion' in raw && raw.lockfileVersion !== 1) {
    throw new CapsealError('INVALID_INPUT', `${origin} has unsupported lockfileVersion`, {
      details: [`lockfileVersion: expected 1, got ${JSON.stringify(raw.lockfileVersion)}`],
    });
  }
  const result = LockfileSchema.safeParse(raw);
  if (!result.success) {
    throw new CapsealError('INVALID_INPUT', `${origin} is not a valid capseal lockfile`, {
      details: result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
    });
  }
  const mismatches = findDigestMismatches(result.data);
  if (mismatches.length > 0) {
    throw new CapsealError('INVALID_INPUT', `${origin} has entries whose digest does not match`, {
      details: mismatches,
    });
  }
  return result.data;
}
