import type { z } from 'zod';
import { CapsealError, errorMessage } from './errors.js';

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

/** JSON.parse that fails as INVALID_INPUT (exit 2) naming the file and the parser's message. */
export function parseJsonText(text: string, origin: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `${origin} is not valid JSON`, {
      details: [errorMessage(error)],
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
