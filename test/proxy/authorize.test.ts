import { describe, expect, it } from 'vitest';
import type { EntryKind } from '../../src/lockfile/index.js';
import { type AuthorizeContext, authorizeRequest } from '../../src/proxy/authorize.js';
import type { VerificationView } from '../../src/proxy/list-verifier.js';
import type { DriftKind } from '../../src/proxy/types.js';
import { serverEntry, tool } from '../helpers/factories.js';

const entry = serverEntry({ tools: [tool('echo')] });
const digest = entry.tools.echo?.digest as string;

function view(state: {
  stale?: EntryKind[];
  verified?: Record<string, string>;
  drift?: Record<string, DriftKind>;
}): VerificationView {
  return {
    isStale: (k) => (state.stale ?? []).includes(k),
    verifiedDigest: (k, key) => (k === 'tools' ? state.verified?.[key] : undefined),
    drift: (k, key) => (k === 'tools' ? state.drift?.[key] : undefined),
  };
}

const ctx = (v: VerificationView, extra: Partial<AuthorizeContext> = {}): AuthorizeContext => ({
  serverName: 'demo',
  entry,
  mode: 'enforce',
  view: v,
  ...extra,
});
const call = (name?: string) => ({
  jsonrpc: '2.0' as const,
  id: 1,
  method: 'tools/call',
  params: name === undefined ? {} : { name, arguments: {} },
});
const decide = (c: AuthorizeContext, name?: string) => authorizeRequest(c, 'tools', call(name), name);

describe('authorizeRequest', () => {
  it('allows a tool verified in this session with the locked digest', () => {
    expect(decide(ctx(view({ verified: { echo: digest } })), 'echo')).toMatchObject({
      type: 'allow',
      digest,
    });
  });

  it.each([
    ['not-locked', view({ verified: { echo: digest } }), 'other'],
    ['removed', view({}), 'echo'],
    ['changed', view({ verified: { echo: digest }, drift: { echo: 'changed' } }), 'echo'],
    ['relist-failed', view({ drift: { echo: 'relist-failed' } }), 'echo'],
    ['invalid', view({}), undefined],
  ] as const)('blocks with kind %s', (kind, v, name) => {
    expect(decide(ctx(v), name)).toMatchObject({ type: 'block', data: { kind, server: 'demo' } });
  });

  it('defers a locked tool while tools are being verified, in enforce only', () => {
    const v = view({ stale: ['tools'] });
    expect(decide(ctx(v), 'echo')).toEqual({ type: 'defer' });
    expect(decide(ctx(v, { mode: 'filter-only' }), 'echo')).toMatchObject({ type: 'block' });
  });

  it('lets call-time policy deny an otherwise allowed call', () => {
    const policy = () => [
      { pack: 'p', rule: 'r', severity: 'error' as const, message: 'no', server: 'demo' },
    ];
    const c = ctx(view({ verified: { echo: digest } }), { policy });
    expect(decide(c, 'echo')).toMatchObject({
      type: 'block',
      data: { kind: 'policy', verdicts: [{ pack: 'p', rule: 'r', message: 'no' }] },
    });
  });
});
