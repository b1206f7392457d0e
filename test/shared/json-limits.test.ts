import { describe, expect, it } from 'vitest';
import { CapsealError } from '../../src/shared/errors.js';
import {
  assertFileDepth,
  DEFAULT_MAX_JSON_DEPTH,
  fileDepthLimit,
  findUnhashable,
  jsonTextDepth,
  jsonValueDepth,
} from '../../src/shared/json-limits.js';
import { parseJsonText } from '../../src/shared/validate.js';

const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('jsonTextDepth', () => {
  it.each([
    ['1', 0],
    ['"[[["', 0],
    ['[]', 1],
    ['{"a":[1]}', 2],
    ['{"a":"\\"[","b":{"c":[{}]}}', 4],
    [JSON.stringify({ a: 'x\\', b: [['"]', '\\"[']] }), 3],
    [nested(64), 64],
  ])('measures %s as %i', (text, depth) => {
    expect(jsonTextDepth(text)).toBe(depth);
    expect(jsonValueDepth(JSON.parse(text), 1000)).toBe(depth);
  });

  it('stops just past the limit, so a hostile text costs only its first brackets', () => {
    expect(jsonTextDepth(nested(100_000), 64)).toBe(65);
    expect(jsonValueDepth(JSON.parse(nested(100_000)), 64)).toBe(65);
  });

  it('terminates on a cyclic value', () => {
    const a: unknown[] = [];
    a.push(a);
    expect(jsonValueDepth(a, 10)).toBe(11);
  });

  it('is cheap: a 1 MB reply is measured in a few milliseconds', () => {
    const item = JSON.stringify({ name: 'tool', description: 'x'.repeat(200), inputSchema: { a: [1, 2] } });
    const text = `{"result":{"tools":[${Array(4000).fill(item).join(',')}]}}`;
    expect(text.length).toBeGreaterThan(1_000_000);
    const started = performance.now();
    for (let i = 0; i < 10; i++) expect(jsonTextDepth(text, 64)).toBe(6);
    const perRun = (performance.now() - started) / 10;
    expect(perRun).toBeLessThan(50);
  });
});

describe('file depth', () => {
  it('allows files the message limit plus an allowance for the lockfile envelope', () => {
    expect(fileDepthLimit()).toBe(DEFAULT_MAX_JSON_DEPTH + 8);
    expect(() => assertFileDepth(nested(fileDepthLimit()), 'f')).not.toThrow();
  });

  it('refuses a deeper file as INVALID_INPUT naming it and the limit, before parsing', () => {
    const error = (() => {
      try {
        parseJsonText(nested(100_000), 'deep.json');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CapsealError);
    expect((error as CapsealError).code).toBe('INVALID_INPUT');
    expect((error as CapsealError).message).toMatch(/^deep\.json is nested more than 72 levels deep/);
    expect((error as CapsealError).message).toContain('CAPSEAL_MAX_JSON_DEPTH');
  });
});

describe('findUnhashable', () => {
  it.each([
    [{ a: ['ok', '\ud800'] }, ['a', 1], /lone surrogate/],
    [{ ['k\udc00']: 1 }, ['k\udc00'], /lone surrogate/],
    [{ a: { b: Number.POSITIVE_INFINITY } }, ['a', 'b'], /out of range/],
  ])('finds %j at its path', (value, path, reason) => {
    const found = findUnhashable(value, 64);
    expect(found?.path).toEqual(path);
    expect(found?.reason).toMatch(reason);
  });

  it('accepts whole surrogate pairs, -0 and big finite numbers', () => {
    expect(findUnhashable({ emoji: '😀', n: -0, big: 1e300 }, 64)).toBeUndefined();
  });
});
