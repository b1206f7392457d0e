import { describe, expect, it } from 'vitest';
import { decideBatch } from '../../src/proxy/batch.js';
import { emptyEffects, recorderFor } from '../../src/proxy/effects.js';

const record = recorderFor('s1');
const req = (method: string, params?: Record<string, unknown>) => ({
  jsonrpc: '2.0' as const,
  id: 1,
  method,
  ...(params ? { params } : {}),
});
const modern = { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } };

describe('decideBatch', () => {
  const one = () => {
    const fx = emptyEffects();
    fx.log.push('one');
    return fx;
  };

  it('splits a batch for versions that had them, and refuses it for those that removed them', () => {
    const values = [req('ping'), { jsonrpc: '2.0', method: 'notifications/progress' }];
    expect(decideBatch({ from: 'host', version: '2025-03-26', record }, values, one, 0).log).toEqual([
      'one',
      'one',
    ]);
    const refused = decideBatch({ from: 'host', version: '2025-06-18', record }, values, one, 0);
    expect(refused.toHost).toHaveLength(1);
    expect(refused.audit[0]?.kind).toBe('batch');
  });

  it('refuses a batch when any member names a version without batches, and drops a server batch', () => {
    const values = [req('tools/list', modern)];
    const refused = decideBatch({ from: 'server', version: undefined, record }, values, one, 0);
    expect(refused.toHost).toEqual([]);
    expect(refused.toServer).toEqual([]);
    expect(refused.log[0]).toMatch(/refused/);
  });
});
