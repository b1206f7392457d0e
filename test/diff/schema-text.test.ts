import { describe, expect, it } from 'vitest';
import { holdsString, modelVisibleStringChanges, modelVisibleStrings } from '../../src/diff/schema-text.js';

describe('modelVisibleStrings', () => {
  it('lists string values and property names, not the assertion vocabulary', () => {
    const schema = {
      type: 'object',
      required: ['path'],
      properties: { path: { type: 'string', pattern: '^a', format: 'uri', enum: ['x'], description: 'P' } },
      $ref: '#/$defs/a',
    };
    expect(modelVisibleStrings(schema)).toEqual(['P', 'path', 'x']);
  });
});

describe('modelVisibleStringChanges', () => {
  it('names the strings one side has more often than the other', () => {
    const base = { properties: { path: { description: 'P' } } };
    const head = { properties: { path: { description: 'P' }, mode: { enum: ['P'] } } };
    expect(modelVisibleStringChanges('s', base, head)).toEqual(['s: model-visible text added: "P", "mode"']);
    expect(modelVisibleStringChanges('s', head, base)).toEqual([
      's: model-visible text removed: "P", "mode"',
    ]);
  });

  it('is empty when only the assertion vocabulary changed', () => {
    expect(modelVisibleStringChanges('s', { type: 'string' }, { type: 'number', pattern: '^a' })).toEqual([]);
  });
});

describe('holdsString', () => {
  it.each([
    ['utf8', true],
    [{ a: [1, { b: 'x' }] }, true],
    [[1, 2, { a: null }], false],
    [42, false],
  ])('%j → %s', (value, expected) => {
    expect(holdsString(value)).toBe(expected);
  });
});
