import { errorMessage, jsonTextDepth, jsonValueDepth } from '../shared/index.js';
import type { JsonRpcId, RawIntegerId } from './types.js';

/** Node ≥ 21 (V8 11.4): exact source text for JSON numbers; not yet in TypeScript's ES2023 lib. */
const JSONX = JSON as JSON & {
  rawJSON(text: string): RawIntegerId;
  isRawJSON(value: unknown): value is RawIntegerId;
  parse(
    text: string,
    reviver: (this: unknown, key: string, value: unknown, context: { source?: string }) => unknown,
  ): unknown;
};

/** True for an id kept as its exact integer text (beyond 2^53, where a JS number would round it). */
export function isRawIntegerId(value: unknown): value is RawIntegerId {
  return JSONX.isRawJSON(value);
}

/**
 * True when a JSON text nests deeper than `max` (the shared measure, src/shared/json-limits.ts), checked
 * without parsing. The hot path first counts opening brackets natively: a text with at most `max` of them
 * (strings included) cannot nest deeper.
 */
export function exceedsDepth(text: string, max: number): boolean {
  if (openingAtMost(text, max)) return false;
  return jsonTextDepth(text, max) > max;
}

function openingAtMost(text: string, max: number): boolean {
  let n = 0;
  for (const bracket of ['{', '[']) {
    for (let at = text.indexOf(bracket); at !== -1; at = text.indexOf(bracket, at + 1)) {
      if (++n > max) return false;
    }
  }
  return true;
}

/** The same for an already parsed value (a transport parsed it), iteratively. */
export function valueExceedsDepth(value: unknown, max: number): boolean {
  return jsonValueDepth(value, max) > max;
}

/** What can be said about a message that is refused before it is decided on. */
export interface Envelope {
  /** Its top-level id, when it is a valid JSON-RPC id. */
  id: JsonRpcId | undefined;
  /** True when it carries a method (a request, if it has an id). */
  request: boolean;
}

export type ParsedLine =
  | { ok: true; value: unknown }
  | { ok: false; problem: 'invalid-json'; detail: string }
  | { ok: false; problem: 'too-deep'; detail: string; envelope: Envelope };

/**
 * Parse one received line, the proxy's one JSON parse. Refuses nesting over `maxDepth` (the reply names
 * the limit; nothing deeper ever reaches code that recurses), and keeps integer ids beyond 2^53 exactly:
 * such an id becomes a raw JSON value that serializes back to the same digits.
 */
export function parseJsonLine(text: string, maxDepth: number): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      problem: 'invalid-json',
      detail: errorMessage(error),
    };
  }
  if (exceedsDepth(text, maxDepth)) {
    // V8 parses iteratively, so the parse above is safe at any depth; only the envelope is read.
    return {
      ok: false,
      problem: 'too-deep',
      detail: `message nests deeper than maxDepth ${maxDepth}`,
      envelope: envelopeOf(value),
    };
  }
  if (hasUnsafeId(value)) value = withExactIds(text);
  return { ok: true, value };
}

function envelopeOf(value: unknown): Envelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { id: undefined, request: false };
  const { id, method } = value as { id?: unknown; method?: unknown };
  const valid = typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id));
  return { id: valid ? (id as JsonRpcId) : undefined, request: typeof method === 'string' };
}

function unsafe(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const id = (v as { id?: unknown }).id;
  return typeof id === 'number' && !Number.isSafeInteger(id);
}

function hasUnsafeId(value: unknown): boolean {
  return Array.isArray(value) ? value.some(unsafe) : unsafe(value);
}

/** Re-parse (rare: only lines whose top-level id is a number beyond 2^53) keeping integer id texts. */
function withExactIds(text: string): unknown {
  const holders = new Map<object, string>();
  const root = JSONX.parse(
    text,
    function (this: unknown, key: string, value: unknown, context: { source?: string }) {
      if (
        key === 'id' &&
        typeof value === 'number' &&
        context.source !== undefined &&
        /^-?\d+$/.test(context.source)
      )
        holders.set(this as object, context.source);
      return value;
    },
  );
  const fix = (v: unknown) => {
    const source = typeof v === 'object' && v !== null ? holders.get(v) : undefined;
    if (source !== undefined) (v as { id: unknown }).id = JSONX.rawJSON(source);
  };
  if (Array.isArray(root)) root.forEach(fix);
  else fix(root);
  return root;
}
