import { describe, expect, it } from 'vitest';
import { RequestTable } from '../../src/proxy/request-table.js';

const req = (id: string | number, params?: Record<string, unknown>) => ({
  jsonrpc: '2.0' as const,
  id,
  method: 'tools/call',
  ...(params ? { params } : {}),
});

describe('RequestTable', () => {
  it('gives host requests and re-lists ids from one counter and forgets them on finish', () => {
    const t = new RequestTable();
    const { proxyId } = t.addHost(req('a'), { started: 0 });
    const relist = t.addRelist('tools', 0);
    expect(relist).toBe(proxyId + 1);
    expect(t.hostIdInFlight('a')).toBe(true);
    expect(t.hostLoad).toBe(1);
    t.finish(proxyId, t.get(proxyId) as NonNullable<ReturnType<typeof t.get>>);
    expect(t.hostIdInFlight('a')).toBe(false);
    expect(t.size).toBe(1);
  });

  it('keeps 1 and "1" apart as host ids', () => {
    const t = new RequestTable();
    t.addHost(req(1), { started: 0 });
    expect(t.hostIdInFlight('1')).toBe(false);
  });

  it('replaces a progress token and maps it back until the request finishes', () => {
    const t = new RequestTable();
    const { proxyId, params } = t.addHost(req(1, { _meta: { progressToken: 'tok' } }), { started: 0 });
    const token = (params as { _meta: { progressToken: string } })._meta.progressToken;
    expect(token).not.toBe('tok');
    expect(t.hostTokenOf(token)).toBe('tok');
    t.finish(proxyId, t.get(proxyId) as NonNullable<ReturnType<typeof t.get>>);
    expect(t.hostTokenOf(token)).toBeUndefined();
  });

  it('maps server requests separately, and cancels them by server id', () => {
    const t = new RequestTable();
    const a = t.addServerRequest(7, 'sampling/createMessage', 'p');
    expect(t.serverTokenKnown('p')).toBe(true);
    expect(t.cancelServerRequest(7)).toBe(a);
    expect(t.takeServerRequest(a)).toBeUndefined();
  });

  it('takes deferred requests by a predicate, keeping the order of the rest', () => {
    const t = new RequestTable();
    for (const id of [1, 2, 3]) t.defer(req(id), id);
    expect(t.takeDeferred((d) => d.message.id === 2).map((d) => d.message.id)).toEqual([2]);
    expect(t.cancelDeferred(3)).toBe(true);
    expect(t.takeDeferred(() => true).map((d) => d.message.id)).toEqual([1]);
  });
});
