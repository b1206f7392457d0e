import { CapsealError } from './errors.js';

/**
 * The one JSON nesting limit (docs/limits.md). Every JSON text capseal parses (a server's reply, a lockfile,
 * a config file) is measured before it is parsed, and every value a library parsed for us (the SDK's HTTP
 * transports) before anything walks it, so no recursive walk (normalize, canonicalize, diff, schema-change,
 * report rendering, policy input) ever sees more levels than this. Depth counts containers: `1` is 0,
 * `[]` is 1, `{"a":[1]}` is 2.
 */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/**
 * Extra levels a file may nest beyond the message limit: the lockfile wraps what a server sent in its own
 * envelope (`servers.<name>.tools.<key>.inputSchema` is one level deeper than the same schema inside a
 * `tools/list` reply), so a lockfile written for a server within the limit is always read back.
 */
export const FILE_DEPTH_ALLOWANCE = 8;

/**
 * The highest message limit anyone may configure: the recursive walks downstream (canonicalize, diff,
 * rendering) are proven safe up to here, far below V8's stack.
 */
export const MAX_JSON_DEPTH_CEILING = 1000;

/** The variable that sets the message limit (files get FILE_DEPTH_ALLOWANCE more). */
export const MAX_JSON_DEPTH_ENV = 'CAPSEAL_MAX_JSON_DEPTH';

/** The nesting limit for a file (lockfile, config, signature) given the message limit. */
export function fileDepthLimit(maxJsonDepth = DEFAULT_MAX_JSON_DEPTH): number {
  return maxJsonDepth + FILE_DEPTH_ALLOWANCE;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * The nesting depth of a JSON text, measured without parsing it: one pass, no recursion, no allocation,
 * brackets inside strings ignored. Stops as soon as the depth exceeds `stopAbove` (so a hostile 100 MB
 * text costs only as much as its first `stopAbove + 1` brackets) and returns that depth. On text that is
 * not JSON the result is meaningless but finite; the parser that follows rejects such text anyway.
 */
export function jsonTextDepth(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote: the next quote preceded by an even number of backslashes.
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1) return max;
        let b = q - 1;
        while (text.charCodeAt(b) === BACKSLASH) b--;
        if ((q - 1 - b) % 2 === 0) {
          i = q;
          break;
        }
        from = q + 1;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > stopAbove) return max;
      }
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return max;
}

/**
 * The nesting depth of an already parsed value, with an explicit stack (no recursion). Stops as soon as the
 * depth exceeds `stopAbove`, so it terminates even on a cyclic object handed in by mistake.
 */
export function jsonValueDepth(value: unknown, stopAbove: number): number {
  if (value === null || typeof value !== 'object') return 0;
  let max = 0;
  const stack: unknown[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const v = stack.pop() as object;
    const d = depths.pop() as number;
    if (d > max) {
      max = d;
      if (max > stopAbove) return max;
    }
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        stack.push(child);
        depths.push(d + 1);
      }
    }
  }
  return max;
}

/** The phrase every depth refusal uses, naming the limit and how to raise it. */
export function describeDepthExcess(depth: number, limit: number): string {
  return `nested more than ${limit} levels deep (at least ${depth}; the JSON nesting limit is ${limit}, raised with ${MAX_JSON_DEPTH_ENV}, see docs/limits.md)`;
}

/**
 * Refuse a file text that nests deeper than `limit` as INVALID_INPUT (exit 2) naming the file and the
 * limit. Call before JSON.parse.
 */
export function assertFileDepth(text: string, origin: string, limit = fileDepthLimit()): void {
  const depth = jsonTextDepth(text, limit);
  if (depth > limit) {
    throw new CapsealError('INVALID_INPUT', `${origin} is ${describeDepthExcess(depth, limit)}`);
  }
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one (String#isWellFormed
// is ES2024, beyond our lib target).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The path to the first string or object key that `test` flags (`isKey` tells which), or to the first
 * number that `numbers` flags, or undefined. Iterative; bounded by `maxDepth` levels (deeper values are the
 * depth check's business).
 */
export function findInJson(
  value: unknown,
  maxDepth: number,
  test: (s: string, isKey: boolean) => boolean,
  numbers: (n: number) => boolean = () => false,
): PropertyKey[] | undefined {
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop() as { value: unknown; path: PropertyKey[] };
    if (typeof v === 'string') {
      if (test(v, false)) return path;
    } else if (typeof v === 'number') {
      if (numbers(v)) return path;
    } else if (v !== null && typeof v === 'object' && path.length <= maxDepth) {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) stack.push({ value: v[i], path: [...path, i] });
      } else {
        for (const [k, item] of Object.entries(v)) {
          if (test(k, true)) return [...path, k];
          stack.push({ value: item, path: [...path, k] });
        }
      }
    }
  }
  return undefined;
}

/** Why a JSON value cannot be canonicalized (RFC 8785), with the path, or undefined when it can. */
export function findUnhashable(
  value: unknown,
  maxDepth: number,
): { path: PropertyKey[]; reason: string } | undefined {
  const lone = findInJson(value, maxDepth, (s) => LONE_SURROGATE.test(s));
  if (lone !== undefined)
    return { path: lone, reason: 'lone surrogate (only whole UTF-16 pairs can be canonicalized)' };
  // JSON text like 1e400 parses to Infinity, which no canonical form (and no digest) has.
  const huge = findInJson(
    value,
    maxDepth,
    () => false,
    (n) => !Number.isFinite(n),
  );
  if (huge !== undefined) return { path: huge, reason: 'number out of range (it parses to Infinity)' };
  return undefined;
}
