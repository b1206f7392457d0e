import { serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { describe, expect, it } from 'vitest';
import { LineSplitter, recoverId, serializeLine, spliceId } from '../../src/proxy/index.js';

const b = (s: string) => Buffer.from(s);

describe('LineSplitter', () => {
  it('joins lines split across chunks and tolerates CRLF and blank lines', () => {
    const s = new LineSplitter(100);
    expect(s.push(b('{"a":'))).toEqual([]);
    expect(s.push(b('1}\r\n\n{"b":2}\n{"c"'))).toEqual([
      { type: 'line', text: '{"a":1}' },
      { type: 'line', text: '{"b":2}' },
    ]);
    expect(s.pendingBytes).toBe(4);
  });

  it('skips an over-long line to its newline, reports its head, and keeps going', () => {
    const s = new LineSplitter(16);
    const events = [
      ...s.push(b('{"jsonrpc":"2.0","id":7,"result":')),
      ...s.push(b('x'.repeat(100))),
      ...s.push(b('}\n{"ok":1}\n')),
    ];
    expect(events[0]).toMatchObject({ type: 'oversized', bytes: 134, tail: expect.stringMatching(/x}$/) });
    expect(recoverId((events[0] as { head: string }).head)).toBe(7);
    expect(events[1]).toEqual({ type: 'line', text: '{"ok":1}' });
  });

  it('decodes whole lines inside one chunk the same way as lines split across chunks', () => {
    const text = '{"jsonrpc":"2.0","id":1,"result":{"t":"é ✓"}}';
    const whole = new LineSplitter(1000).push(b(`${text}\r\n  \n${text}\n`));
    const split = new LineSplitter(1000);
    const bytes = b(`${text}\r\n  \n${text}\n`);
    const pieces = [...split.push(bytes.subarray(0, 31)), ...split.push(bytes.subarray(31))];
    expect(whole).toEqual([
      { type: 'line', text },
      { type: 'line', text },
    ]);
    expect(pieces).toEqual(whole);
    // A line of exactly the limit passes; one byte more is skipped.
    expect(new LineSplitter(7).push(b('{"a":1}\n{"ab":1}\n'))).toMatchObject([
      { type: 'line', text: '{"a":1}' },
      { type: 'oversized', bytes: 8 },
    ]);
  });

  it('writes exactly the SDK serializeMessage bytes', () => {
    const m = { jsonrpc: '2.0' as const, id: 1, method: 'ping' };
    expect(serializeLine(m)).toBe(serializeMessage(m));
  });
});

describe('recoverId', () => {
  it.each([
    ['{"jsonrpc":"2.0","id":12,"method":"x"', 12],
    ['{"id":"abc","jsonrpc":"2.0"', 'abc'],
    ['{"jsonrpc":"2.0","method":"x","params":{"id":5}', undefined],
    ['not json', undefined],
  ])('%s → %s', (head, id) => {
    expect(recoverId(head)).toBe(id);
  });

  it.each([
    ['"AAAA"}]},"jsonrpc":"2.0","id":42}', 42],
    ['"AAAA"}]},"jsonrpc":"2.0","id":"r-1"}\r', 'r-1'],
    ['"AAAA","id":42}}', undefined],
  ])('reads the id from the tail %s → %s', (tail, id) => {
    expect(recoverId('{"result":{"content":[', tail)).toBe(id);
  });
});

describe('spliceId', () => {
  it('replaces the trailing id of an SDK-written line', () => {
    const line = '{"result":{"content":[]},"jsonrpc":"2.0","id":7}';
    expect(spliceId(line, 7, 'host-1')).toBe('{"result":{"content":[]},"jsonrpc":"2.0","id":"host-1"}');
    // Other spellings of a trailing id take the general path.
    expect(spliceId('{"result":{},"jsonrpc":"2.0","id": 7 }', 7, 3)).toBe(
      '{"result":{},"jsonrpc":"2.0","id": 3 }',
    );
    expect(spliceId('{"result":{},"id":"s-1"}', 's-1', 4)).toBe('{"result":{},"id":4}');
    // An escaped "id" inside a string is text, not a key: only the top-level id changes.
    expect(spliceId('{"result":{"x":"\\"id\\":7}"},"id":7}', 7, 9)).toBe(
      '{"result":{"x":"\\"id\\":7}"},"id":9}',
    );
  });

  it.each([
    ['{"id":9,"result":{},"jsonrpc":"2.0","id":7}', 'a duplicate id key'],
    ['{"result":{"id":1},"jsonrpc":"2.0","id":7}', 'an id inside the result'],
    ['{"jsonrpc":"2.0","id":7,"result":{}}', 'the id not last'],
    ['{"result":{},"jsonrpc":"2.0","id":8}', 'another id than expected'],
    ['{"result":{},"jsonrpc":"2.0","id":17}', 'an id that only ends like the expected one'],
  ])('refuses %s (%s)', (line) => {
    expect(spliceId(line, 7, 'h')).toBeUndefined();
  });
});
