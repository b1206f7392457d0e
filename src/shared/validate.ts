import type { z } from 'zod';
import { CapsealError, errorMessage } from './errors.js';
import { assertFileDepth, fileDepthLimit, findUnhashable } from './json-limits.js';

/** Format a validation path (['servers', 'a', 'tools', 'x']) as readable dotted text: `servers.a.tools.x`. */
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

/**
 * JSON.parse that fails as INVALID_INPUT (exit 2) naming the file and the parser's message. A text nested
 * deeper than `maxDepth` (default: the file limit of docs/limits.md) is refused before it is parsed.
 */
export function parseJsonText(text: string, origin: string, maxDepth = fileDepthLimit()): unknown {
  assertFileDepth(text, origin, maxDepth);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `${origin} is not valid JSON`, {
      details: [errorMessage(error)],
    });
  }
  assertWellFormed(value, origin, 'INVALID_INPUT', maxDepth);
  return value;
}

/**
 * Refuse a value that RFC 8785 cannot canonicalize, so that it could be neither hashed nor compared: a
 * string with a lone surrogate (from a `\ud800` escape) or a number out of range (`1e400`). `code` says
 * whose fault it is (INVALID_INPUT for a file, SERVER_FAILED for what a server sent).
 */
export function assertWellFormed(
  value: unknown,
  origin: string,
  code: 'INVALID_INPUT' | 'SERVER_FAILED',
  maxDepth = fileDepthLimit(),
): void {
  const found = findUnhashable(value, maxDepth);
  if (found !== undefined) {
    throw new CapsealError(code, `${origin} contains a value that cannot be canonicalized`, {
      details: [`${formatPath(found.path)}: ${found.reason}`],
    });
  }
}

/**
 * Validate a boundary value with its zod schema, once (STYLE §6): INVALID_INPUT listing every issue as
 * `path: message`, not just the first. `what` names the expected document ("a valid capseal lockfile").
 */
export function validateWith<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  origin: string,
  what: string,
): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new CapsealError('INVALID_INPUT', `${origin} is not ${what}`, {
      details: result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
    });
  }
  return result.data;
}
