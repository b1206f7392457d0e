import { describe, expect, it } from 'vitest';
import {
  allowAllTools,
  compileToolFilter,
  createNamespace,
  mergeLists,
  pageOf,
} from '../../src/gateway/index.js';

const ns = createNamespace('.', ['a', 'b']);

describe('mergeLists', () => {
  it('namespaces, filters tools and sorts, whatever order the upstreams answered in', () => {
    const lists = [
      { upstream: 'b', items: [{ name: 'zeta' }, { name: 'alpha' }] },
      { upstream: 'a', items: [{ name: 'exec_shell' }, { name: 'read' }, { nameless: true }] },
    ];
    const filters = { a: compileToolFilter({ deny: ['exec_*'] }), b: allowAllTools };
    const merged = mergeLists('tools', lists, ns, (u) => filters[u as 'a' | 'b']);
    expect(merged.map((t) => t.name)).toEqual(['a.read', 'b.alpha', 'b.zeta']);
    expect(mergeLists('tools', [...lists].reverse(), ns, (u) => filters[u as 'a' | 'b'])).toEqual(merged);
  });

  it('lists an unprefixed upstream under its own names, minus any name a prefix would take', () => {
    const open = createNamespace('.', ['a', 'b'], 'b');
    const merged = mergeLists(
      'tools',
      [
        { upstream: 'a', items: [{ name: 'read' }] },
        { upstream: 'b', items: [{ name: 'zeta' }, { name: 'a.read' }, { name: 'a.other' }] },
      ],
      open,
      () => allowAllTools,
    );
    expect(merged.map((t) => t.name)).toEqual(['a.read', 'zeta']);
  });

  it('prefixes resource URIs and templates (the filter applies to tools only)', () => {
    const merged = mergeLists(
      'resourceTemplates',
      [{ upstream: 'a', items: [{ uriTemplate: 'file:///{p}', name: 'f' }] }],
      ns,
      () => () => false,
    );
    expect(merged).toEqual([{ uriTemplate: 'a.file:///{p}', name: 'f' }]);
  });
});

describe('compileToolFilter', () => {
  it('allows what allow matches, minus what deny matches', () => {
    const f = compileToolFilter({ allow: ['read_*', 'list'], deny: ['read_secret*'] });
    expect(['read_file', 'list', 'read_secrets', 'write'].map(f)).toEqual([true, true, false, false]);
    expect(compileToolFilter()('anything')).toBe(true);
  });
});

describe('pageOf', () => {
  const items = Array.from({ length: 5 }, (_, i) => ({ name: `t${i}` }));

  it('pages with opaque cursors until the end', () => {
    const first = pageOf(items, undefined, 2);
    expect(first).toMatchObject({ ok: true, items: [{ name: 't0' }, { name: 't1' }] });
    const second = first.ok ? pageOf(items, first.nextCursor, 2) : first;
    const third = second.ok ? pageOf(items, second.nextCursor, 2) : second;
    expect(third).toEqual({ ok: true, items: [{ name: 't4' }] });
  });

  it('refuses cursors it did not issue', () => {
    for (const cursor of ['page-2', 42, Buffer.from('g1.99').toString('base64url'), ''])
      expect(pageOf(items, cursor, 2)).toEqual({ ok: false, reason: 'invalid cursor' });
  });
});
