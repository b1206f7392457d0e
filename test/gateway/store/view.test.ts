import { describe, expect, it } from 'vitest';
import {
  applyStoreEvent,
  emptyView,
  encodeStoreEvent,
  mergeView,
  parseStoreEvent,
  planResync,
  type StoreView,
} from '../../../src/gateway/store/view.js';

function view(drift: Record<string, string>, verified: Record<string, string> = {}): StoreView {
  return { drift: new Map(Object.entries(drift)), verified: new Map(Object.entries(verified)) };
}

describe('the store view', () => {
  describe('parseStoreEvent', () => {
    it.each([
      ['{not json', undefined],
      ['null', undefined],
      ['"drift"', undefined],
      ['{"t":"drift","key":1,"detail":"x"}', undefined],
      ['{"t":"drift","key":"k"}', undefined],
      ['{"t":"other","key":"k","detail":"x"}', undefined],
      ['{"t":"drift","key":"k","detail":"x"}', { t: 'drift', key: 'k', detail: 'x' }],
      ['{"t":"verified","key":"k","digest":"d","extra":1}', { t: 'verified', key: 'k', digest: 'd' }],
    ])('reads %s as %o, never throwing', (text, expected) => {
      expect(parseStoreEvent(text)).toEqual(expected);
    });

    it('round-trips what encodeStoreEvent writes', () => {
      const event = { t: 'drift', key: 'a"b', detail: 'line\nbreak' } as const;
      expect(parseStoreEvent(encodeStoreEvent(event))).toEqual(event);
    });
  });

  describe('applyStoreEvent', () => {
    it('sets a drift flag once and never rewrites it, and replaces a digest', () => {
      const v = emptyView();
      applyStoreEvent(v, { t: 'drift', key: 'k', detail: 'first' });
      applyStoreEvent(v, { t: 'drift', key: 'k', detail: 'second' });
      applyStoreEvent(v, { t: 'verified', key: 'k', digest: '1' });
      applyStoreEvent(v, { t: 'verified', key: 'k', digest: '2' });
      expect(v).toEqual(view({ k: 'first' }, { k: '2' }));
    });
  });

  describe('planResync', () => {
    it('writes back, in key order, every local entry Redis lacks and nothing it holds', () => {
      const local = view({ b: 'db', a: 'da', both: 'x' }, { v: '1', shared: 'mine' });
      const remote = view({ both: 'y' }, { shared: 'theirs' });
      expect(planResync(local, remote)).toEqual([
        { t: 'drift', key: 'a', detail: 'da' },
        { t: 'drift', key: 'b', detail: 'db' },
        { t: 'verified', key: 'v', digest: '1' },
      ]);
    });

    it('writes back everything after Redis lost its data', () => {
      expect(planResync(view({ a: 'x' }, { v: '1' }), emptyView())).toHaveLength(2);
    });
  });

  describe('mergeView', () => {
    it("adopts Redis's state, keeps every local drift flag, and replays what arrived during the sync", () => {
      const local = view({ only_local: 'l' }, { stale: 'old' });
      const remote = view({ only_remote: 'r' }, { stale: 'new', other: 'o' });
      const merged = mergeView(local, remote, [
        { t: 'verified', key: 'other', digest: 'newest' },
        { t: 'drift', key: 'late', detail: 'z' },
      ]);
      expect(merged).toEqual(
        view({ only_remote: 'r', only_local: 'l', late: 'z' }, { stale: 'new', other: 'newest' }),
      );
    });
  });
});
