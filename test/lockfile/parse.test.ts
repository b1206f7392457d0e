import { describe, expect, it } from 'vitest';
import { parseLockfile, serializeLockfile } from '../../src/lockfile/index.js';
import { CapsealError } from '../../src/shared/errors.js';
import { lockfile, serverEntry, tool } from '../helpers/factories.js';

function problems(text: string): string[] {
  try {
    parseLockfile(text, 'mcp-lock.json');
  } catch (error) {
    if (error instanceof CapsealError) return [error.message, ...error.details];
    throw error;
  }
  return [];
}

describe('parseLockfile', () => {
  it('round-trips a serialized lockfile', () => {
    const lock = lockfile();
    const text = serializeLockfile(lock);
    expect(serializeLockfile(parseLockfile(text))).toBe(text);
  });

  it('rejects bad JSON with the parser message', () => {
    expect(problems('{"lockfileVersion": 1,')[0]).toBe('mcp-lock.json is not valid JSON');
  });

  it('rejects another lockfileVersion by name', () => {
    expect(problems('{"lockfileVersion": 3, "servers": {}}')).toContain(
      'lockfileVersion: expected 1 or 2, got 3',
    );
  });

  it('lists every schema problem by path, not just the first', () => {
    const lock = JSON.parse(serializeLockfile(lockfile())) as { servers: { demo: Record<string, unknown> } };
    delete lock.servers.demo.tools;
    lock.servers.demo.surprise = true;
    const found = problems(JSON.stringify(lock));
    expect(found.some((p) => p.startsWith('servers.demo.tools:'))).toBe(true);
    expect(found.some((p) => p.includes('surprise'))).toBe(true);
  });

  it('names the entry whose digest does not match', () => {
    const lock = JSON.parse(serializeLockfile(lockfile())) as {
      servers: { demo: { tools: { echo: { description: string } } } };
    };
    lock.servers.demo.tools.echo.description = 'now something else';
    expect(problems(JSON.stringify(lock))).toContain(
      'servers.demo.tools.echo.digest: does not match the entry (edited without re-locking?)',
    );
  });
});

describe('serializeLockfile', () => {
  it('sorts entries, ends with one newline, and is stable', () => {
    const lock = lockfile({ b: serverEntry({ tools: [tool('zeta'), tool('alpha')] }), a: serverEntry() });
    const text = serializeLockfile(lock);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.indexOf('"a"')).toBeLessThan(text.indexOf('"b"'));
    expect(text.indexOf('"alpha"')).toBeLessThan(text.indexOf('"zeta"'));
    expect(serializeLockfile(JSON.parse(text))).toBe(text);
  });
});

describe('parseLockfile with a verified base', () => {
  it('still catches a tampered entry that differs from the base', () => {
    const base = lockfile();
    const text = serializeLockfile(base);
    const head = JSON.parse(text) as { servers: { demo: { tools: { echo: { description: string } } } } };
    head.servers.demo.tools.echo.description = 'tampered';
    expect(() => parseLockfile(JSON.stringify(head), 'head', { verifiedBase: base })).toThrow(/digest/);
  });

  it('accepts entries identical to the verified base', () => {
    const base = lockfile();
    expect(parseLockfile(serializeLockfile(base), 'head', { verifiedBase: base })).toEqual(base);
  });
});

describe('parseLockfile and "__proto__"', () => {
  it('rejects the key instead of letting it vanish', () => {
    const text = serializeLockfile(lockfile()).replace('"echo": {', '"__proto__": {');
    expect(problems(text)).toContain('servers.demo.tools.__proto__: the key "__proto__" is not allowed');
  });
});
