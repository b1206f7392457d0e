import fc from 'fast-check';
import { CapsealError } from '../../src/shared/errors.js';

// Helpers of the property suites (not a test file). The whole property budget is CAPSEAL_PROPERTY_BUDGET_MS
// (default 60 s of run time, which bounds CPU time) split evenly over PROPERTY_COUNT properties;
// CAPSEAL_PROPERTY_SEED replays a run. Each property runs as many cases as fit in its share.

/** How many properties share the budget across test/property/*.test.ts (keep in step when adding one). */
export const PROPERTY_COUNT = 6;

const total = Number(process.env.CAPSEAL_PROPERTY_BUDGET_MS ?? 60_000);
if (!Number.isFinite(total) || total <= 0) throw new Error('CAPSEAL_PROPERTY_BUDGET_MS must be positive');

/** Milliseconds one property may run. */
export const SHARE_MS = Math.max(200, Math.floor(total / PROPERTY_COUNT));
/** A vitest timeout for one property: its share plus slack for the slowest single case (no hang). */
export const TEST_TIMEOUT_MS = SHARE_MS + 30_000;

const seed = process.env.CAPSEAL_PROPERTY_SEED;

/** Run a property for its share of the budget; a failure reports the seed and the shrunk counterexample. */
export function runFor<T>(arb: fc.Arbitrary<T>, predicate: (value: T) => void): void {
  fc.assert(fc.property(arb, predicate), {
    interruptAfterTimeLimit: SHARE_MS,
    numRuns: Number.MAX_SAFE_INTEGER,
    ...(seed === undefined ? {} : { seed: Number(seed) }),
  });
}

/** Call `fn`; a typed CapsealError is an accepted outcome, anything else thrown is a failure. */
export function onlyTypedErrors<R>(fn: () => R): R | CapsealError {
  try {
    return fn();
  } catch (error) {
    if (error instanceof CapsealError) return error;
    throw error;
  }
}

/** Strings that hurt: lone surrogates, controls, look-alikes, invisibles, JSON punctuation. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'toString',
    'read_file',
    'read_f\u0456le',
    '\uff52ead_file',
    'read\u200d_file',
    '\ud800',
    '\u202e',
    '"}]',
    '\\',
    '',
    '0',
    'm',
    'rn',
  ),
);

/** A JSON value: the library's own, plus hostile strings as keys and values. */
export const jsonValue = (maxDepth = 6): fc.Arbitrary<unknown> =>
  fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth },
      fc.constant(null),
      fc.boolean(),
      fc.double({ noNaN: true, noDefaultInfinity: true }), // JSON has neither
      fc.integer(),
      fc.constantFrom(2 ** 53 + 1, -0, 1e308, Number.MIN_VALUE),
      hostileString,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
    ),
  })).value;

/** JSON text nested `depth` levels deep through one of several wrappers, built as text (no recursion). */
export const deepJsonText: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 120_000 })),
    fc.constantFrom<[string, string]>(['[', ']'], ['{"a":', '}'], ['{"items":', '}'], ['[1,{"x":', '}]']),
    fc.constantFrom('1', '"s"', '{}', '[]', 'null', '1e400', '"\\ud800"'),
    fc.constantFrom('', '{"jsonrpc":"2.0","id":1,"result":', '{"servers":'),
  )
  .map(([depth, [open, close], leaf, prefix]) => {
    const body = `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;
    return prefix === '' ? body : `${prefix}${body}}`;
  });

const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The same value with every lone surrogate replaced by U+FFFD (what can be sealed with a digest). */
export function wellFormed<T>(value: T): T {
  if (typeof value === 'string') return value.replace(LONE, '\ufffd') as T;
  if (Array.isArray(value)) return value.map(wellFormed) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), wellFormed(v)])) as T;
  }
  return value;
}
