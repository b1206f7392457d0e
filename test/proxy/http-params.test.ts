import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkCallParams,
  checkParamHeaders,
  lockedParamBindings,
  paramBindings,
  paramHeaders,
} from '../../src/proxy/index.js';

// Mcp-Param-* (2026-07-28 Streamable HTTP, `x-mcp-header`): which declarations of a locked input schema
// count, the headers capseal sends upstream, and the check of the headers a host sent.
const schema = {
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    n: { type: 'integer', 'x-mcp-header': 'N' },
    flag: { type: 'boolean', 'x-mcp-header': 'Flag' },
    nested: { type: 'object', properties: { zone: { type: 'string', 'x-mcp-header': 'Zone' } } },
  },
};
const call = (args: unknown) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 't', arguments: args },
});

describe('paramBindings', () => {
  it('takes declarations reachable through properties chains, sorted by header', () => {
    expect(paramBindings(schema)).toEqual([
      { header: 'Flag', path: ['flag'], type: 'boolean' },
      { header: 'N', path: ['n'], type: 'integer' },
      { header: 'Region', path: ['region'], type: 'string' },
      { header: 'Zone', path: ['nested', 'zone'], type: 'string' },
    ]);
  });

  it('leaves out every placement a client does not mirror', () => {
    const h = (extra: Record<string, unknown>) => ({ type: 'string', 'x-mcp-header': 'X', ...extra });
    for (const bad of [
      { 'x-mcp-header': 'Root', type: 'object' },
      { type: 'object', properties: { a: { type: 'array', items: h({}) } } },
      { type: 'object', properties: { a: { anyOf: [h({})] } } },
      { type: 'object', properties: { a: { oneOf: [h({})] } } },
      { type: 'object', additionalProperties: h({}) },
      { type: 'object', $defs: { a: h({}) }, properties: { a: { $ref: '#/$defs/a' } } },
      { type: 'object', properties: { a: { type: 'object', 'x-mcp-header': 'Obj' } } },
      { type: 'object', properties: { a: { type: 'array', 'x-mcp-header': 'Arr' } } },
      { type: 'object', properties: { a: { 'x-mcp-header': 'NoType' } } },
      { type: 'object', properties: { a: h({ 'x-mcp-header': '' }) } },
      { type: 'object', properties: { a: h({ 'x-mcp-header': 'Has Space' }) } },
      { type: 'object', properties: { a: h({ 'x-mcp-header': 'Colon:' }) } },
      { type: 'object', properties: { a: h({ 'x-mcp-header': 'Line\r\nX-Evil' }) } },
      { type: 'object', properties: { a: h({ 'x-mcp-header': 7 }) } },
      null,
      'string',
      [],
    ])
      expect(paramBindings(bad)).toEqual([]);
  });

  it('keeps the first of two declarations equal ignoring case', () => {
    const twice = {
      type: 'object',
      properties: {
        a: { type: 'string', 'x-mcp-header': 'Region' },
        b: { type: 'string', 'x-mcp-header': 'REGION' },
      },
    };
    expect(paramBindings(twice)).toEqual([{ header: 'Region', path: ['a'], type: 'string' }]);
  });

  it('stops at a bounded depth on a deeply nested schema', () => {
    let deep: Record<string, unknown> = { type: 'string', 'x-mcp-header': 'Deep' };
    for (let i = 0; i < 10_000; i++) deep = { type: 'object', properties: { p: deep } };
    expect(paramBindings(deep)).toEqual([]);
  });
});

describe('paramHeaders and checkParamHeaders', () => {
  const bindings = paramBindings(schema);
  const lower = (h: Record<string, string>) =>
    Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

  it('sends primitives of the declared type only, encoding what is not plain ASCII', () => {
    expect(paramHeaders(bindings, { region: 'eu', n: 3, flag: false, nested: { zone: ' z' } })).toEqual({
      'Mcp-Param-Flag': 'false',
      'Mcp-Param-N': '3',
      'Mcp-Param-Region': 'eu',
      'Mcp-Param-Zone': `=?base64?${Buffer.from(' z').toString('base64')}?=`,
    });
    expect(paramHeaders(bindings, { region: 5, n: '3', flag: 'true', nested: 'x' })).toEqual({});
    expect(paramHeaders(bindings, { region: null })).toEqual({});
    expect(paramHeaders(bindings, undefined)).toEqual({});
    expect(paramHeaders(bindings, { region: '=?base64?x?=' })).toEqual({
      'Mcp-Param-Region': `=?base64?${Buffer.from('=?base64?x?=').toString('base64')}?=`,
    });
  });

  it('accepts exactly the headers a conforming client derives (property: any values)', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            region: fc.oneof(fc.string(), fc.string({ unit: 'grapheme' })),
            n: fc.integer(),
            flag: fc.boolean(),
            nested: fc.record({ zone: fc.string() }, { requiredKeys: [] }),
          },
          { requiredKeys: [] },
        ),
        (args) => {
          const sent = lower(paramHeaders(bindings, args));
          expect(checkParamHeaders(bindings, sent, call(args))).toBeUndefined();
          // Any one header dropped or changed is refused.
          for (const name of Object.keys(sent)) {
            const { [name]: _dropped, ...rest } = sent;
            expect(checkParamHeaders(bindings, rest, call(args))?.error.code).toBe(-32020);
            expect(
              checkParamHeaders(bindings, { ...sent, [name]: `${sent[name]}x` }, call(args))?.error.code,
            ).toBe(-32020);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses an orphan header, an undeclared one, a bad sentinel, and a header of the wrong type', () => {
    const args = { region: 'eu' };
    const code = (given: Record<string, string>, a: unknown = args) =>
      checkParamHeaders(bindings, given, call(a))?.error.code;
    expect(code({ 'mcp-param-region': 'eu' })).toBeUndefined();
    expect(code({ 'mcp-param-region': 'eu', 'mcp-param-n': '1' })).toBe(-32020);
    expect(code({ 'mcp-param-region': 'eu', 'mcp-param-other': '1' })).toBe(-32020);
    expect(code({ 'mcp-param-region': '=?base64?***?=' })).toBe(-32020);
    expect(code({ 'mcp-param-region': 'eu, eu' })).toBe(-32020);
    expect(code({ 'mcp-param-n': '1' }, { n: '1' })).toBe(-32020);
    expect(code({}, { region: 'eu' })).toBe(-32020);
  });
});

describe('checkCallParams', () => {
  const bindingsOf = lockedParamBindings({ t: { inputSchema: schema }, plain: { inputSchema: {} } });

  it('checks a locked tool, leaves an unlocked one to the proxy, and refuses Mcp-Param-* on other methods', () => {
    expect(checkCallParams(bindingsOf, { 'mcp-param-region': 'eu' }, call({ region: 'eu' }))).toBeUndefined();
    expect(checkCallParams(bindingsOf, {}, call({ region: 'eu' }))?.error.code).toBe(-32020);
    const other = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'plain', arguments: {} } };
    expect(checkCallParams(bindingsOf, { 'Mcp-Param-Region': 'x' }, other)?.error.code).toBe(-32020);
    const unlocked = { ...other, params: { name: 'unlocked', arguments: {} } };
    expect(checkCallParams(bindingsOf, { 'mcp-param-region': 'x' }, unlocked)).toBeUndefined();
    const list = { jsonrpc: '2.0', id: 3, method: 'tools/list', params: {} };
    expect(checkCallParams(bindingsOf, {}, list)).toBeUndefined();
    expect(checkCallParams(bindingsOf, { 'mcp-param-region': 'x' }, list)?.error.code).toBe(-32020);
    expect(checkCallParams(undefined, { 'mcp-param-region': 'x' }, list)).toBeUndefined();
    // The tool name is looked up as an own key only.
    const proto = { ...other, params: { name: '__proto__', arguments: {} } };
    expect(checkCallParams(bindingsOf, {}, proto)).toBeUndefined();
  });
});
