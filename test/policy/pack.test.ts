import { describe, expect, it } from 'vitest';
import { PackSchema } from '../../src/policy/index.js';

const rule = { id: 'r', description: 'd', severity: 'error', deny: 'true', message: 'm' };

describe('PackSchema', () => {
  it('defaults scope to server and keeps references optional', () => {
    const pack = PackSchema.parse({ name: 'p', description: 'd', rules: [rule] });
    expect(pack.rules[0]).toEqual({ ...rule, scope: 'server' });
  });

  it.each([
    ['a non-kebab rule id', { rules: [{ ...rule, id: 'Bad Id' }] }],
    ['an unknown scope', { rules: [{ ...rule, scope: 'tools' }] }],
    ['an unknown key', { rules: [{ ...rule, expr: 'true' }] }],
    ['no rules', { rules: [] }],
    ['an empty message', { rules: [{ ...rule, message: '' }] }],
  ])('rejects %s', (_name, override) => {
    expect(PackSchema.safeParse({ name: 'p', description: 'd', ...override }).success).toBe(false);
  });
});
