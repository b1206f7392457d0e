import { describe, expect, it } from 'vitest';
import { exceedsDepth, parseJsonLine, valueExceedsDepth } from '../../src/proxy/parse.js';

const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('parseJsonLine', () => {
  it('counts nesting of objects and arrays, not brackets inside strings', () => {
    expect(exceedsDepth('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(exceedsDepth('{"a":[{"b":1}]}', 2)).toBe(true);
    expect(exceedsDepth('{"a":"[[[[{{{{\\"[["}', 1)).toBe(false);
  });

  it.each([5_000, 100_000])('refuses %i levels without overflowing the stack, and keeps the id', (n) => {
    const text = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"arguments":{"x":${nested(n)}}}}`;
    expect(parseJsonLine(text, 64)).toMatchObject({
      ok: false,
      problem: 'too-deep',
      envelope: { id: 7, request: true },
    });
    expect(valueExceedsDepth(JSON.parse(text), 64)).toBe(true);
  });

  it('accepts a message right at the limit', () => {
    const text = `{"jsonrpc":"2.0","id":1,"result":{"x":${nested(62)}}}`;
    expect(parseJsonLine(text, 64).ok).toBe(true);
    expect(valueExceedsDepth(JSON.parse(text), 64)).toBe(false);
  });

  it.each(['9007199254740993', '-9007199254740993', '123456789012345678901234567890'])(
    'keeps the integer id %s exactly through parse and serialize',
    (digits) => {
      const parsed = parseJsonLine(`{"jsonrpc":"2.0","id":${digits},"method":"ping"}`, 64);
      if (!parsed.ok) throw new Error('not parsed');
      expect(JSON.stringify(parsed.value)).toBe(`{"jsonrpc":"2.0","id":${digits},"method":"ping"}`);
    },
  );

  it('leaves a nested "id" alone and reports invalid JSON', () => {
    const parsed = parseJsonLine('{"jsonrpc":"2.0","id":1,"result":{"id":9007199254740993}}', 64);
    expect(parsed).toMatchObject({ ok: true, value: { id: 1 } });
    expect(parseJsonLine('{"id":', 64)).toMatchObject({ ok: false, problem: 'invalid-json' });
  });
});
