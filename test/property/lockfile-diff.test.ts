import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLocks } from '../../src/diff/index.js';
import { parseLockfile, serializeLockfile } from '../../src/lockfile/index.js';
import { compilePacks, evaluateLock } from '../../src/policy/index.js';
import { readPacks } from '../../src/policy/io/read-packs.js';
import { buildReport, REPORT_FORMATS, renderReport } from '../../src/report/index.js';
import { CapsealError } from '../../src/shared/errors.js';
import { REPO } from '../helpers/cli.js';
import { type RawServer, rawServer, sealLock } from '../helpers/drift-cases.js';
import {
  deepJsonText,
  hostileString,
  jsonValue,
  onlyTypedErrors,
  runFor,
  TEST_TIMEOUT_MS,
  wellFormed,
} from './budget.js';

// Hostile lockfiles: random text, deep text, and random-but-valid lockfiles whose schemas use every
// keyword, fed to parse → diff → report rendering (all formats) → policy evaluation. Nothing may throw
// but a CapsealError, and a parsed lockfile must get through every later stage without one.

const KEYWORDS = [
  'type',
  'properties',
  'required',
  'enum',
  'const',
  'items',
  'prefixItems',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'if',
  'then',
  'else',
  '$ref',
  '$defs',
  'patternProperties',
  'additionalProperties',
  'unevaluatedProperties',
  'dependentSchemas',
  'dependentRequired',
  'description',
  'examples',
  'default',
  'maxLength',
  'minimum',
  'pattern',
  'format',
] as const;

/** Schema-shaped values: known keywords with values of any shape (right or wrong), nested. */
const schemaLike: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
  schema: fc.dictionary(
    fc.oneof(fc.constantFrom(...KEYWORDS), hostileString),
    fc.oneof(
      { depthSize: 'small', maxDepth: 5 },
      jsonValue(3),
      tie('schema'),
      fc.array(tie('schema'), { maxLength: 3 }),
      fc.dictionary(hostileString, tie('schema'), { maxKeys: 3 }),
    ),
    { maxKeys: 5 },
  ),
})).schema as fc.Arbitrary<Record<string, unknown>>;

const toolBody = fc.record(
  {
    title: hostileString,
    description: hostileString,
    inputSchema: schemaLike,
    outputSchema: schemaLike,
    annotations: fc.record(
      { readOnlyHint: fc.boolean(), destructiveHint: fc.boolean(), title: hostileString },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['inputSchema'] },
);

const server: fc.Arbitrary<RawServer> = fc
  .record({
    tools: fc.dictionary(hostileString, toolBody, { maxKeys: 4 }),
    instructions: fc.option(hostileString, { nil: undefined }),
    prompts: fc.dictionary(hostileString, fc.record({ description: hostileString }, { requiredKeys: [] }), {
      maxKeys: 2,
    }),
  })
  .map(({ tools, instructions, prompts }) => {
    const s = rawServer();
    s.tools = { ...s.tools, ...tools };
    s.prompts = { ...s.prompts, ...prompts };
    if (instructions !== undefined) s.server.instructions = instructions;
    return s;
  });

const packs = compilePacks(await readPacks(['baseline', 'strict', 'poisoning', 'read-only'], REPO));

function everyStage(baseText: string, headText: string): void {
  const base = parseLockfile(baseText, 'base.json');
  const head = parseLockfile(headText, 'head.json', { verifiedBase: base });
  for (const [b, h] of [
    [base, head],
    [head, base],
  ] as const) {
    const drifts = diffLocks(b, h);
    const verdicts = evaluateLock(packs, h, drifts);
    const servers = Object.keys(h.servers);
    const report = buildReport({
      kind: 'diff',
      lockfile: 'h',
      base: 'b',
      servers,
      drifts,
      verdicts,
      failOn: 'critical',
    });
    for (const format of REPORT_FORMATS) renderReport(report, format, { lockText: headText });
  }
}

describe('lockfile parse, diff, render and policy under hostile input', () => {
  it('refuses a lockfile holding a lone surrogate (RFC 8785 cannot hash it) as INVALID_INPUT', () => {
    const text = serializeLockfile(sealLock({ files: rawServer() })).replace(
      '"Read a file',
      '"\\ud800Read a file',
    );
    const error = onlyTypedErrors(() => parseLockfile(text, 'lone.json'));
    expect(error).toBeInstanceOf(CapsealError);
    expect((error as CapsealError).message).toBe('lone.json contains a value that cannot be canonicalized');
    expect((error as CapsealError).details).toEqual([
      'servers.files.tools.read_file.description: lone surrogate (only whole UTF-16 pairs can be canonicalized)',
    ]);
  });

  it(
    'random text is a lockfile or an INVALID_INPUT, never a crash',
    () => {
      runFor(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          deepJsonText,
          jsonValue(8).map((v) => JSON.stringify(v)),
        ),
        (text) => {
          const result = onlyTypedErrors(() => parseLockfile(text, 'x.json'));
          if (result instanceof CapsealError) expect(result.code).toBe('INVALID_INPUT');
        },
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'random valid lockfiles (every schema keyword, hostile names) go through diff, reports and policy',
    () => {
      let parsed = 0;
      runFor(fc.tuple(server.map(wellFormed), server.map(wellFormed)), ([a, b]) => {
        const baseText = serializeLockfile(sealLock({ files: a, other: b }));
        const headText = serializeLockfile(sealLock({ files: b, other: a }));
        const outcome = onlyTypedErrors(() => everyStage(baseText, headText));
        // Only the parse may refuse (a random body that is not a valid entry); later stages never throw.
        if (outcome instanceof CapsealError) expect(outcome.code).toBe('INVALID_INPUT');
        else parsed++;
      });
      expect(parsed).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a lockfile with a schema nested up to the file limit goes through every stage',
    () => {
      runFor(fc.integer({ min: 1, max: 64 }), (depth) => {
        const s = rawServer();
        let schema: Record<string, unknown> = { type: 'string', description: 'leaf' };
        for (let i = 0; i < depth; i++) schema = { type: 'array', items: schema, description: `level ${i}` };
        (s.tools.read_file as Record<string, unknown>).inputSchema = {
          type: 'object',
          properties: { x: schema },
        };
        const text = serializeLockfile(sealLock({ files: s }));
        const plain = serializeLockfile(sealLock({ files: rawServer() }));
        expect(onlyTypedErrors(() => everyStage(plain, text))).toBeUndefined();
      });
    },
    TEST_TIMEOUT_MS,
  );
});
