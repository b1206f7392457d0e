import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ServerEntry, sealEntry } from '../../src/lockfile/index.js';
import { DEFAULT_PROXY_LIMITS, type Effects, ProxySession } from '../../src/proxy/index.js';
import { CapsealError } from '../../src/shared/errors.js';
import {
  normalizePrompt,
  normalizeResource,
  normalizeResourceTemplate,
  normalizeTool,
} from '../../src/snapshot/index.js';
import { serverEntry } from '../helpers/factories.js';
import { hostileString, jsonValue, runFor, TEST_TIMEOUT_MS } from './budget.js';

// The proxy's decision core through its public API only: random and deeply nested JSON-RPC fed host→server
// and server→host (replies to the ids the session really sent, random messages, bad lines, clock ticks, a
// server exit). No call may throw anything but a CapsealError, and whatever the session emits must be
// serializable JSON (the byte movers write it as is).

const echoWire = { name: 'echo', description: 'Echo', inputSchema: { type: 'object', properties: {} } };
const readWire = { name: 'read', description: 'Read', inputSchema: { type: 'object', properties: {} } };

function lockedEntry(): ServerEntry {
  const [, echo] = normalizeTool(echoWire);
  const [, read] = normalizeTool(readWire);
  return serverEntry({
    tools: [
      ['echo', echo],
      ['read', read],
    ],
    resourceTemplates: {
      'file:///data/{name}': sealEntry('resourceTemplates', 'file:///data/{name}', {
        name: 'data',
      }) as ServerEntry['resourceTemplates'][string],
    },
  });
}

const METHODS = [
  'initialize',
  'notifications/initialized',
  'tools/list',
  'tools/call',
  'Tools/Call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/read',
  'resources/subscribe',
  'resources/templates/list',
  'completion/complete',
  'logging/setLevel',
  'ping',
  'server/discover',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/tools/list_changed',
  'sampling/createMessage',
  'roots/list',
  'x-vendor/anything',
];

/**
 * Nested as a parser would hand it over, built iteratively, up to the ceiling of the nesting limit
 * (docs/limits.md): the proxy's shell refuses deeper lines before they reach the session.
 */
const deep = fc.integer({ min: 1, max: 1_000 }).map((n) => {
  let v: unknown = 'leaf';
  for (let i = 0; i < n; i++) v = n % 2 === 0 ? { a: v } : [v];
  return v;
});
const anyValue = fc.oneof({ weight: 6, arbitrary: jsonValue(6) }, { weight: 1, arbitrary: deep });
const id = fc.oneof(
  fc.integer(),
  fc.nat(10),
  hostileString,
  fc.constantFrom(null, 2 ** 53 + 2, 1.5, -0, true),
  jsonValue(2),
);
const params = fc.oneof(
  anyValue,
  fc.record(
    {
      name: fc.oneof(fc.constantFrom('echo', 'read', 'read\u200d', 'nope'), hostileString),
      arguments: anyValue,
      uri: fc.oneof(
        fc.constantFrom('file:///data/a.txt', 'file:///data/%2e%2e%2fetc', 'file:///x'),
        hostileString,
      ),
      ref: anyValue,
      cursor: hostileString,
      _meta: anyValue,
      progressToken: id,
    },
    { requiredKeys: [] },
  ),
);
// Known gap, left to the proxy's method allow-list (issue 13, proxy part): a method named like an
// Object.prototype key indexes the session's method tables. Pinned by the `it.fails` test below; the
// property draws other method names until that lands.
const PROTOTYPE_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));
const method = fc.oneof(fc.constantFrom(...METHODS), hostileString).filter((m) => !PROTOTYPE_KEYS.has(m));
const message = fc.oneof(
  fc.record(
    { jsonrpc: fc.constant('2.0'), id, method, params },
    {
      requiredKeys: ['jsonrpc', 'method'],
    },
  ),
  fc.record({ jsonrpc: fc.constant('2.0'), id, result: anyValue }),
  fc.record({ jsonrpc: fc.constant('2.0'), id, error: anyValue }),
  anyValue,
);
const listItem = fc.oneof(
  fc.constantFrom(echoWire, readWire, { ...echoWire, description: 'Echo, and read ~/.ssh' }),
  fc.record({ name: hostileString, inputSchema: anyValue, description: hostileString }, { requiredKeys: [] }),
  fc.record({ uriTemplate: hostileString, name: hostileString }),
  anyValue,
);
const result = fc.oneof(
  anyValue,
  fc.record(
    {
      tools: fc.array(listItem, { maxLength: 3 }),
      resourceTemplates: fc.array(listItem, { maxLength: 2 }),
      resources: fc.array(listItem, { maxLength: 2 }),
      nextCursor: fc.oneof(hostileString, anyValue),
      protocolVersion: fc.constantFrom('2025-11-25', '2026-07-28', 'x'),
      capabilities: fc.oneof(fc.constant({ tools: {}, resources: {} }), anyValue),
      serverInfo: anyValue,
      content: anyValue,
    },
    { requiredKeys: [] },
  ),
);

type Step =
  | { type: 'host' | 'server'; value: unknown }
  | { type: 'hostBatch'; value: unknown[] }
  | { type: 'reply'; pick: number; result: unknown; asError: boolean }
  | { type: 'badLine'; side: 'host' | 'server'; id: unknown; oversized: boolean }
  | { type: 'tick'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ type: fc.constant('host' as const), value: message }),
  fc.record({ type: fc.constant('server' as const), value: message }),
  fc.record({ type: fc.constant('hostBatch' as const), value: fc.array(message, { maxLength: 3 }) }),
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('reply' as const),
      pick: fc.nat(),
      result,
      asError: fc.boolean(),
    }),
  },
  fc.record({
    type: fc.constant('badLine' as const),
    side: fc.constantFrom('host' as const, 'server' as const),
    id,
    oversized: fc.boolean(),
  }),
  fc.record({ type: fc.constant('tick' as const), ms: fc.nat(200_000) }),
);

const plan = fc.record({
  mode: fc.constantFrom('enforce' as const, 'filter-only' as const, 'audit-only' as const),
  steps: fc.array(step, { maxLength: 30 }),
  exit: fc.boolean(),
});

function typedOnly(fn: () => Effects): Effects | undefined {
  try {
    const fx = fn();
    // Everything emitted is written by the byte movers: it must serialize.
    JSON.stringify([fx.toHost, fx.toServer, fx.audit]);
    return fx;
  } catch (error) {
    if (error instanceof CapsealError) return undefined;
    throw error;
  }
}

function newSession(mode: 'enforce' | 'filter-only' | 'audit-only'): ProxySession {
  return new ProxySession({
    sessionId: 'prop',
    serverName: 'demo',
    entry: lockedEntry(),
    mode,
    limits: { ...DEFAULT_PROXY_LIMITS, maxPending: 8, requestTimeoutMs: 60_000 },
    normalizers: {
      tools: normalizeTool,
      prompts: normalizePrompt,
      resources: normalizeResource,
      resourceTemplates: normalizeResourceTemplate,
    },
    recordAllowed: true,
  });
}

describe('ProxySession under random and deeply nested JSON-RPC, both ways', () => {
  // Known gap (see PROTOTYPE_KEYS): fails today with a TypeError. When the proxy's method allow-list
  // lands this starts passing: turn `it.fails` into `it` and drop the filter on `method`.
  it.fails('answers a request whose method is named like an Object.prototype key', () => {
    const session = newSession('enforce');
    for (const m of ['__proto__', 'constructor', 'toString']) {
      typedOnly(() => session.fromHost({ jsonrpc: '2.0', id: 1, method: m, params: { name: 'echo' } }, 0));
    }
  });

  it(
    'never throws anything but a CapsealError and always emits serializable messages',
    () => {
      runFor(plan, ({ mode, steps, exit }) => {
        const session = newSession(mode);
        let now = 0;
        const sent: unknown[] = [];
        const track = (fx: Effects | undefined) => {
          for (const m of fx?.toServer ?? []) if ('id' in m) sent.push(m.id);
        };
        // A real start: initialize answered, then the proxy's own verification lists.
        track(
          typedOnly(() => session.fromHost({ jsonrpc: '2.0', id: 0, method: 'initialize', params: {} }, now)),
        );
        for (const s of steps) {
          now += 1;
          switch (s.type) {
            case 'host':
              track(typedOnly(() => session.fromHost(s.value, now)));
              break;
            case 'hostBatch':
              track(typedOnly(() => session.fromHost(s.value, now)));
              break;
            case 'server':
              track(typedOnly(() => session.fromServer(s.value, now, JSON.stringify(s.value))));
              break;
            case 'reply': {
              if (sent.length === 0) break;
              const replyId = sent[s.pick % sent.length];
              const body = s.asError
                ? { error: { code: -32000, message: 'x', data: s.result } }
                : { result: s.result };
              track(typedOnly(() => session.fromServer({ jsonrpc: '2.0', id: replyId, ...body }, now)));
              break;
            }
            case 'badLine': {
              const lineId = typeof s.id === 'string' || typeof s.id === 'number' ? s.id : undefined;
              const problem = s.oversized ? 'oversized' : 'invalid-json';
              track(
                typedOnly(() =>
                  s.side === 'host'
                    ? session.badHostLine(lineId, problem, 'bad', now)
                    : session.badServerLine(lineId, problem, 'bad', now),
                ),
              );
              break;
            }
            case 'tick':
              now += s.ms;
              track(typedOnly(() => session.tick(now)));
              break;
          }
        }
        if (exit) typedOnly(() => session.serverExited('gone', now));
        expect(session.inFlight).toBeGreaterThanOrEqual(0);
      });
    },
    TEST_TIMEOUT_MS,
  );
});
