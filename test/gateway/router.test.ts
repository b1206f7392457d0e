import { describe, expect, it } from 'vitest';
import {
  compileToolFilter,
  createNamespace,
  exposeNotification,
  exposeResult,
  routeRequest,
  stripEnvelope,
} from '../../src/gateway/index.js';
import { BLOCKED_CODE } from '../../src/proxy/index.js';

const ns = createNamespace('__', ['fs', 'web']);
const filters = { fs: compileToolFilter({ deny: ['rm'] }), web: compileToolFilter() };
const filterOf = (u: string) => filters[u as 'fs' | 'web'];

describe('routeRequest', () => {
  it('strips the prefix and the client envelope, keeping other _meta', () => {
    const r = routeRequest(
      ns,
      'tools/call',
      {
        name: 'fs__read',
        arguments: { p: 1 },
        _meta: { progressToken: 7, 'io.modelcontextprotocol/protocolVersion': '2026-07-28' },
      },
      filterOf,
    );
    expect(r).toEqual({
      kind: 'forward',
      upstream: 'fs',
      target: 'fs__read',
      params: { name: 'read', arguments: { p: 1 }, _meta: { progressToken: 7 } },
    });
  });

  it('routes resources by URI and completions by their ref', () => {
    expect(routeRequest(ns, 'resources/read', { uri: 'web__https://x/y' }, filterOf)).toMatchObject({
      upstream: 'web',
      params: { uri: 'https://x/y' },
    });
    expect(
      routeRequest(ns, 'completion/complete', { ref: { type: 'ref/prompt', name: 'fs__p' } }, filterOf),
    ).toMatchObject({ upstream: 'fs', params: { ref: { type: 'ref/prompt', name: 'p' } } });
  });

  it('refuses filtered tools, unknown prefixes and missing targets with BLOCKED_CODE', () => {
    const kinds = [
      routeRequest(ns, 'tools/call', { name: 'fs__rm' }, filterOf),
      routeRequest(ns, 'tools/call', { name: 'mail__send' }, filterOf),
      routeRequest(ns, 'tools/call', {}, filterOf),
    ].map((r) => (r.kind === 'refuse' ? [r.error.code, (r.error.data as { kind: string }).kind] : r.kind));
    expect(kinds).toEqual([
      [BLOCKED_CODE, 'filtered'],
      [BLOCKED_CODE, 'unknown-upstream'],
      [BLOCKED_CODE, 'missing-target'],
    ]);
  });

  it('routes the names of an unprefixed upstream as they are, and prefixed ones by prefix', () => {
    const open = createNamespace('__', ['fs', 'web'], 'web');
    expect(routeRequest(open, 'tools/call', { name: 'search' }, filterOf)).toMatchObject({
      upstream: 'web',
      target: 'search',
      params: { name: 'search' },
    });
    expect(routeRequest(open, 'tools/call', { name: 'fs__read' }, filterOf)).toMatchObject({
      upstream: 'fs',
      params: { name: 'read' },
    });
    expect(routeRequest(open, 'tools/call', { name: 'fs__rm' }, filterOf)).toMatchObject({
      kind: 'refuse',
      error: { data: { kind: 'filtered' } },
    });
    expect(exposeResult(open, 'web', 'resources/read', { contents: [{ uri: 'https://x' }] })).toEqual({
      contents: [{ uri: 'https://x' }],
    });
    expect(exposeNotification(open, 'web', 'notifications/resources/updated', { uri: 'https://x' })).toEqual({
      uri: 'https://x',
    });
  });

  it('drops an envelope-only _meta entirely', () => {
    expect(stripEnvelope({ a: 1, _meta: { 'io.modelcontextprotocol/clientInfo': {} } })).toEqual({ a: 1 });
  });
});

describe('exposing answers', () => {
  it('prefixes URIs of read contents and of resources/updated', () => {
    expect(exposeResult(ns, 'fs', 'resources/read', { contents: [{ uri: 'file:///a', text: 'x' }] })).toEqual(
      {
        contents: [{ uri: 'fs__file:///a', text: 'x' }],
      },
    );
    expect(exposeNotification(ns, 'fs', 'notifications/resources/updated', { uri: 'file:///a' })).toEqual({
      uri: 'fs__file:///a',
    });
    expect(exposeResult(ns, 'fs', 'tools/call', { content: [] })).toEqual({ content: [] });
  });
});
