import { describe, expect, it } from 'vitest';
import { MemoryStore, StoreUnavailableError } from '../../../src/gateway/store/index.js';

describe('MemoryStore', () => {
  describe('drift flags', () => {
    it('are undefined until marked, then keep the first detail (sticky)', async () => {
      const store = new MemoryStore();
      expect(store.driftOf('a')).toBeUndefined();
      await store.markDrifted('a', 'first');
      await store.markDrifted('a', 'second');
      expect(store.driftOf('a')).toBe('first');
      expect(store.driftOf('b')).toBeUndefined();
      expect(await store.driftConfirmed('a')).toBe('first');
      expect(await store.driftConfirmed('b')).toBeUndefined();
      await store.close();
      await expect(store.driftConfirmed('a')).rejects.toThrow(StoreUnavailableError);
    });
  });

  describe('verified digests', () => {
    it('are read back and replaced by a later put', async () => {
      const store = new MemoryStore();
      expect(store.verifiedOf('k')).toBeUndefined();
      await store.putVerified('k', 'sha256:1');
      await store.putVerified('k', 'sha256:2');
      expect(store.verifiedOf('k')).toBe('sha256:2');
    });
  });

  describe('publish and subscribe', () => {
    it('delivers to every subscriber of the channel, and only that channel', async () => {
      const store = new MemoryStore();
      const a: string[] = [];
      const b: string[] = [];
      const other: string[] = [];
      await store.subscribe('c', (m) => a.push(m));
      await store.subscribe('c', (m) => b.push(m));
      await store.subscribe('d', (m) => other.push(m));
      await store.publish('c', 'hello');
      expect(a).toEqual(['hello']);
      expect(b).toEqual(['hello']);
      expect(other).toEqual([]);
    });

    it('stops delivering after unsubscribe, and the same function twice is two subscriptions', async () => {
      const store = new MemoryStore();
      const got: string[] = [];
      const push = (m: string) => got.push(m);
      const first = await store.subscribe('c', push);
      await store.subscribe('c', push);
      await store.publish('c', '1');
      await first();
      await store.publish('c', '2');
      expect(got).toEqual(['1', '1', '2']);
    });

    it('keeps delivering when a handler throws, and reports the error', async () => {
      const errors: unknown[] = [];
      const store = new MemoryStore({ onHandlerError: (e) => errors.push(e) });
      const got: string[] = [];
      await store.subscribe('c', () => {
        throw new Error('boom');
      });
      await store.subscribe('c', (m) => got.push(m));
      await expect(store.publish('c', 'x')).resolves.toBeUndefined();
      expect(got).toEqual(['x']);
      expect(errors).toHaveLength(1);
    });
  });

  describe('readiness', () => {
    it('is true until close, then false with one change event, and writes reject', async () => {
      const store = new MemoryStore();
      const changes: boolean[] = [];
      store.onReadyChange((r) => changes.push(r));
      expect(store.ready()).toBe(true);
      await store.close();
      await store.close();
      expect(store.ready()).toBe(false);
      expect(changes).toEqual([false]);
      await expect(store.markDrifted('a', 'x')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.putVerified('a', 'x')).rejects.toThrow(/store unavailable \(closed\)/);
      await expect(store.publish('c', 'x')).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });
});
