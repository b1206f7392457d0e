import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLockfile, serializeLockfile } from '../../src/lockfile/index.js';
import { CapsealError } from '../../src/shared/errors.js';
import { DEFAULT_MAX_JSON_DEPTH, jsonTextDepth } from '../../src/shared/json-limits.js';
import { buildServerEntry } from '../../src/snapshot/index.js';
import { parseStdoutLine } from '../../src/snapshot/io/index.js';
import {
  deepJsonText,
  hostileString,
  jsonValue,
  onlyTypedErrors,
  runFor,
  TEST_TIMEOUT_MS,
} from './budget.js';

// What a hostile server sends, through the snapshot's own parsing: a stdout line → a message or a typed
// failure; list items and an initialize result → a lock entry or SERVER_FAILED; an entry that was built
// always reads back as a lockfile (lock never writes what it would refuse, never exits 70).

const line = fc.oneof(
  fc.string({ unit: 'binary' }),
  deepJsonText,
  jsonValue(8).map((v) => JSON.stringify(v)),
  fc
    .record(
      { id: jsonValue(1), method: hostileString, result: jsonValue(5), params: jsonValue(5) },
      { requiredKeys: [] },
    )
    .map((m) => JSON.stringify({ jsonrpc: '2.0', ...m })),
);

const toolLike = fc.oneof(
  jsonValue(5),
  fc.record(
    {
      name: hostileString,
      title: hostileString,
      description: hostileString,
      inputSchema: fc.oneof(jsonValue(5), fc.dictionary(hostileString, jsonValue(5))),
      outputSchema: jsonValue(4),
      annotations: jsonValue(3),
    },
    { requiredKeys: ['name', 'inputSchema'] },
  ),
);
const initializeLike = fc.oneof(
  jsonValue(4),
  fc.record({
    protocolVersion: fc.oneof(hostileString, fc.constant('2025-11-25')),
    capabilities: fc.dictionary(hostileString, jsonValue(4)),
    serverInfo: fc.record({ name: hostileString, version: hostileString }),
    instructions: hostileString,
  }),
);
// Deep values as a parser would hand them over (built iteratively; the walkers must not recurse).
const deepValue = fc.integer({ min: 0, max: 20_000 }).map((n) => {
  let v: unknown = 'leaf';
  for (let i = 0; i < n; i++) v = { items: v };
  return v;
});

const spec = { name: 's', transport: 'stdio' as const, command: 'node', args: ['s.js'] };
const artifact = { kind: 'file' as const, path: 's.js', sha256: 'a'.repeat(64) };
const sandbox = { env: 'allow-list', home: 'temp', cwd: 'temp', network: 'allowed' } as const;

describe("the snapshot's message parsing under hostile input", () => {
  it(
    'a stdout line is a message or a typed failure, and never passes the depth limit',
    () => {
      runFor(line, (text) => {
        const parsed = parseStdoutLine(text, DEFAULT_MAX_JSON_DEPTH);
        if ('message' in parsed) expect(jsonTextDepth(text)).toBeLessThanOrEqual(DEFAULT_MAX_JSON_DEPTH);
        else expect(['too-deep', 'garbage']).toContain(parsed.failure.kind);
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'list items and initialize results become an entry that reads back, or SERVER_FAILED',
    () => {
      const items = fc.array(
        fc.oneof({ weight: 5, arbitrary: toolLike }, { weight: 1, arbitrary: deepValue }),
        {
          maxLength: 4,
        },
      );
      runFor(
        fc.tuple(initializeLike, items, fc.array(jsonValue(4), { maxLength: 3 })),
        ([init, tools, other]) => {
          const entry = onlyTypedErrors(() =>
            buildServerEntry({
              spec,
              artifact,
              sandbox,
              raw: { initialize: init, tools, prompts: other, resources: other, resourceTemplates: other },
            }),
          );
          if (entry instanceof CapsealError) {
            expect(entry.code).toBe('SERVER_FAILED');
            return;
          }
          const text = serializeLockfile({ lockfileVersion: 1, servers: { s: entry } });
          expect(() => parseLockfile(text, 'generated')).not.toThrow();
        },
      );
    },
    TEST_TIMEOUT_MS,
  );
});
