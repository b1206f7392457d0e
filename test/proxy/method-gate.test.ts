import { describe, expect, it } from 'vitest';
import { type ServerEntry, sealEntry } from '../../src/lockfile/index.js';
import { BLOCKED_CODE, DEFAULT_PROXY_LIMITS, type Effects, ProxySession } from '../../src/proxy/index.js';
import { isMethodAllowed } from '../../src/proxy/methods.js';
import {
  normalizePrompt,
  normalizeResource,
  normalizeResourceTemplate,
  normalizeTool,
} from '../../src/snapshot/index.js';
import { serverEntry } from '../helpers/factories.js';

const normalizers = {
  tools: normalizeTool,
  prompts: normalizePrompt,
  resources: normalizeResource,
  resourceTemplates: normalizeResourceTemplate,
};
const promptWire = { name: 'greet', arguments: [{ name: 'who', required: true }] };
const templateWire = { uriTemplate: 'file:///data/{name}', name: 'data' };
const entry = (): ServerEntry => {
  const [, greet] = normalizePrompt(promptWire);
  return serverEntry({
    prompts: { greet: greet as ServerEntry['prompts'][string] },
    resourceTemplates: {
      'file:///data/{name}': sealEntry('resourceTemplates', 'file:///data/{name}', {
        name: 'data',
      }) as ServerEntry['resourceTemplates'][string],
    },
  });
};

/** A session after initialize (2025-11-25) and its own verification lists. */
function started(allowMethods: string[] = [], mode: 'enforce' | 'audit-only' = 'enforce') {
  const s = new ProxySession({
    sessionId: 's',
    serverName: 'demo',
    entry: entry(),
    mode,
    limits: DEFAULT_PROXY_LIMITS,
    normalizers,
    allowMethods,
  });
  const init = s.fromHost(
    { jsonrpc: '2.0', id: 'i', method: 'initialize', params: { protocolVersion: '2025-11-25' } },
    0,
  );
  const initId = (init.toServer[0] as { id: number }).id;
  s.fromServer(
    {
      jsonrpc: '2.0',
      id: initId,
      result: { protocolVersion: '2025-11-25', capabilities: { prompts: {}, resources: {} } },
    },
    0,
  );
  const fx = s.fromHost({ jsonrpc: '2.0', method: 'notifications/initialized' }, 0);
  for (const m of fx.toServer as { id?: number; method: string }[]) {
    const result =
      m.method === 'prompts/list'
        ? { prompts: [promptWire] }
        : m.method === 'resources/templates/list'
          ? { resourceTemplates: [templateWire] }
          : { resources: [] };
    if (m.id !== undefined) s.fromServer({ jsonrpc: '2.0', id: m.id, result }, 0);
  }
  return s;
}
const req = (id: number, method: string, params: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method,
  params,
});
const blockedKind = (fx: Effects) =>
  (fx.toHost[0] as { error?: { code: number; data: { kind: string } } }).error?.data.kind;

describe('the method gate', () => {
  it.each(['vendor/exfiltrate', 'Tools/Call', 'tools/CALL', 'tools/call ', 'initialize/'])(
    'refuses host request %j with method-not-allowed, unforwarded and audited',
    (method) => {
      const fx = started().fromHost(req(1, method), 0);
      expect(fx.toServer).toEqual([]);
      expect(fx.toHost[0]).toMatchObject({
        id: 1,
        error: { code: BLOCKED_CODE, data: { kind: 'method-not-allowed', method } },
      });
      expect(fx.audit[0]).toMatchObject({
        decision: 'block',
        kind: 'method-not-allowed',
        direction: 'host→server',
      });
    },
  );

  it('refuses server requests and notifications the version does not define, answering the server', () => {
    const s = started();
    const fx = s.fromServer(req(9, 'Sampling/createMessage'), 0);
    expect(fx.toHost).toEqual([]);
    expect(fx.toServer[0]).toMatchObject({
      id: 9,
      error: { code: BLOCKED_CODE, data: { kind: 'method-not-allowed' } },
    });
    const note = s.fromServer({ jsonrpc: '2.0', method: 'notifications/vendor/push', params: {} }, 0);
    expect(note.toHost).toEqual([]);
    expect(note.audit[0]).toMatchObject({
      decision: 'drop',
      kind: 'method-not-allowed',
      direction: 'server→host',
    });
    // elicitation/create exists in 2025-11-25; a 2026-07-28 server may not send requests at all.
    expect(s.fromServer(req(10, 'elicitation/create'), 0).toHost).toHaveLength(1);
  });

  it('allows an extension method a pack names, exactly, and never a mis-cased spec method', () => {
    const s = started(['acme/search', 'TOOLS/call']);
    expect(s.fromHost(req(1, 'acme/search'), 0).toServer).toHaveLength(1);
    expect(blockedKind(s.fromHost(req(2, 'Acme/Search'), 0))).toBe('method-not-allowed');
    expect(blockedKind(s.fromHost(req(3, 'TOOLS/call'), 0))).toBe('method-not-allowed');
  });

  it('forwards with a wouldBe record in audit-only', () => {
    const fx = started([], 'audit-only').fromHost(req(1, 'vendor/x'), 0);
    expect(fx.toServer).toHaveLength(1);
    expect(fx.audit[0]).toMatchObject({ wouldBe: 'block', kind: 'method-not-allowed' });
  });

  it('knows each version: tasks only from 2025-11-25, nothing but the handshake before one is negotiated', () => {
    const none = new Set<string>();
    expect(isMethodAllowed('2025-11-25', 'hostRequests', 'tasks/get', none)).toBe(true);
    expect(isMethodAllowed('2025-06-18', 'hostRequests', 'tasks/get', none)).toBe(false);
    expect(isMethodAllowed('2025-03-26', 'serverRequests', 'elicitation/create', none)).toBe(false);
    expect(isMethodAllowed(undefined, 'hostRequests', 'tools/call', none)).toBe(false);
    expect(isMethodAllowed('2999-01-01', 'hostRequests', 'tools/call', none)).toBe(false);
    expect(isMethodAllowed('2026-07-28', 'hostRequests', 'server/discover', none)).toBe(true);
  });
});

describe('completion/complete', () => {
  const complete = (ref: Record<string, unknown>) =>
    req(1, 'completion/complete', { ref, argument: { name: 'who', value: 'a' } });

  it('is forwarded for a verified locked prompt and a verified locked template', () => {
    const s = started();
    expect(s.fromHost(complete({ type: 'ref/prompt', name: 'greet' }), 0).toServer).toHaveLength(1);
    expect(
      s.fromHost({ ...complete({ type: 'ref/resource', uri: 'file:///data/{name}' }), id: 2 }, 0).toServer,
    ).toHaveLength(1);
  });

  it.each([
    [{ type: 'ref/prompt', name: 'unlocked' }, 'not-locked'],
    [{ type: 'ref/resource', uri: 'file:///etc/{name}' }, 'not-locked'],
    [{ type: 'ref/resource', uri: 'file:///data/x' }, 'not-locked'],
    [{ type: 'ref/tool', name: 'greet' }, 'invalid'],
  ])('is blocked for %j (%s)', (ref, kind) => {
    expect(blockedKind(started().fromHost(complete(ref), 0))).toBe(kind);
  });
});
