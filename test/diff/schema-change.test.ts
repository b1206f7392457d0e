import { describe, expect, it } from 'vitest';
import { compareSchemas } from '../../src/diff/schema-change.js';

const obj = (extra: Record<string, unknown>) => ({ type: 'object', ...extra });

describe('compareSchemas', () => {
  it('reports nothing for canonically equal schemas in another key order', () => {
    expect(compareSchemas('s', { type: 'string', maxLength: 3 }, { maxLength: 3, type: 'string' })).toEqual({
      broadened: [],
      narrowed: [],
      text: [],
      other: [],
    });
  });

  it.each([
    ['a bound is raised', { maxLength: 3 }, { maxLength: 9 }, 's: maxLength loosened from 3 to 9'],
    ['a lower bound is lowered', { minimum: 3 }, { minimum: 0 }, 's: minimum loosened from 3 to 0'],
    ['type is dropped', { type: 'string' }, {}, 's: type "string" dropped (any type accepted)'],
    [
      'integer becomes number',
      { type: 'integer' },
      { type: 'number' },
      's: type widened from "integer" to "number"',
    ],
    ['a pattern changes', { pattern: 'a' }, { pattern: 'b' }, 's: pattern changed from "a" to "b"'],
    [
      'anyOf gains a branch',
      { anyOf: [{ type: 'string' }] },
      { anyOf: [{ type: 'string' }, { type: 'null' }] },
      's: anyOf gained 1 branch(es)',
    ],
    [
      'additionalProperties false becomes a schema',
      { additionalProperties: false },
      { additionalProperties: { type: 'string' } },
      's: additionalProperties loosened from false to {"type":"string"}',
    ],
    ['uniqueItems is dropped', { uniqueItems: true }, {}, 's: uniqueItems dropped'],
  ])('broadens when %s', (_what, base, head, reason) => {
    expect(compareSchemas('s', base, head).broadened).toEqual([reason]);
  });

  it.each([
    ['a bound is added', {}, { maxItems: 2 }, 's: maxItems 2 added'],
    [
      'number becomes integer',
      { type: 'number' },
      { type: 'integer' },
      's: type narrowed from "number" to "integer"',
    ],
    ['allOf gains a conjunct', { allOf: [] }, { allOf: [{ minLength: 1 }] }, 's: allOf gained 1 branch(es)'],
    [
      'a property is removed',
      obj({ properties: { a: {} } }),
      obj({ properties: {} }),
      's: property "a" removed',
    ],
  ])('narrows when %s', (_what, base, head, reason) => {
    expect(compareSchemas('s', base, head).narrowed).toEqual([reason]);
  });

  it('recurses into properties and array items', () => {
    const base = obj({ properties: { list: { type: 'array', items: { type: 'string', enum: ['a'] } } } });
    const head = obj({ properties: { list: { type: 'array', items: { type: 'string' } } } });
    expect(compareSchemas('in', base, head).broadened).toEqual(['in.properties.list.items: enum dropped']);
  });

  it('separates text and other changes', () => {
    const change = compareSchemas('s', { description: 'a', default: 1 }, { description: 'b', default: 2 });
    expect(change.text).toEqual(['s: description changed']);
    expect(change.other).toEqual(['s: default changed']);
  });
});
