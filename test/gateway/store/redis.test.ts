import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisStore, StoreUnavailableError } from '../../../src/gateway/store/index.js';
import { type RedisServer, redisServerMissing, startRedisServer } from '../../helpers/redis-server.js';

// Two RedisStore instances are two gateway replicas; a real redis-server (Debian package) is the shared state.
const missing = redisServerMissing();
const WAIT = { timeout: 5000, interval: 20 };

describe.skipIf(missing !== undefined)(
  `RedisStore against a real redis-server${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    let redis: RedisServer;
    const open: RedisStore[] = [];

    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(async () => {
      await redis?.close();
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    /** A replica on its own namespace (per test, so tests never see each other's keys). */
    function replica(keyPrefix: string, url = redis.url): RedisStore {
      const store = new RedisStore({
        url,
        keyPrefix,
        connectTimeoutMs: 1000,
        commandTimeoutMs: 500,
        heartbeat: { intervalMs: 200, timeoutMs: 500 },
        reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
      });
      store.connect();
      open.push(store);
      return store;
    }

    async function replicas(n: number): Promise<RedisStore[]> {
      const prefix = `t:${randomUUID()}:`;
      const stores = Array.from({ length: n }, () => replica(prefix));
      for (const store of stores) expect(await store.waitUntilReady(5000)).toBe(true);
      return stores;
    }

    describe('two replicas', () => {
      it('see a drift marked on one from the other, and the first detail sticks', async () => {
        const [a, b] = (await replicas(2)) as [RedisStore, RedisStore];
        expect(b.driftOf('fs/tools/read')).toBeUndefined();
        await a.markDrifted('fs/tools/read', 'description changed');
        expect(a.driftOf('fs/tools/read')).toBe('description changed');
        await vi.waitFor(() => expect(b.driftOf('fs/tools/read')).toBe('description changed'), WAIT);
        await b.markDrifted('fs/tools/read', 'something else');
        await new Promise((r) => setTimeout(r, 100));
        expect(a.driftOf('fs/tools/read')).toBe('description changed');
        expect(b.driftOf('fs/tools/read')).toBe('description changed');
      });

      it('confirm a drift flag another replica set before pub/sub has delivered it (no propagation window)', async () => {
        const [a, b] = (await replicas(2)) as [RedisStore, RedisStore];
        for (let i = 0; i < 50; i++) {
          const key = `fs/tools/t${i}`;
          expect(await b.driftConfirmed(key)).toBeUndefined();
          await a.markDrifted(key, `changed ${i}`);
          // No wait: the HGET sees what the other replica's write put in Redis.
          expect(await b.driftConfirmed(key)).toBe(`changed ${i}`);
          expect(b.driftOf(key)).toBe(`changed ${i}`);
        }
      });

      it('propagate verified digests, a later put replacing an earlier one everywhere', async () => {
        const [a, b] = (await replicas(2)) as [RedisStore, RedisStore];
        await a.putVerified('fs/tools', 'sha256:aa');
        await vi.waitFor(() => expect(b.verifiedOf('fs/tools')).toBe('sha256:aa'), WAIT);
        await b.putVerified('fs/tools', 'sha256:bb');
        await vi.waitFor(() => expect(a.verifiedOf('fs/tools')).toBe('sha256:bb'), WAIT);
      });

      it('fan a publish out to the subscribers of both, the publisher included, until they unsubscribe', async () => {
        const [a, b] = (await replicas(2)) as [RedisStore, RedisStore];
        const gotA: string[] = [];
        const gotB: string[] = [];
        const offA = await a.subscribe('list_changed', (m) => gotA.push(m));
        await b.subscribe('list_changed', (m) => gotB.push(m));
        await b.subscribe('other', () => {
          throw new Error('a throwing subscriber harms nobody');
        });
        await a.publish('list_changed', 'fs');
        await b.publish('other', 'x');
        await vi.waitFor(() => expect([gotA, gotB]).toEqual([['fs'], ['fs']]), WAIT);
        await offA();
        await b.publish('list_changed', 'git');
        await vi.waitFor(() => expect(gotB).toEqual(['fs', 'git']), WAIT);
        expect(gotA).toEqual(['fs']);
        expect(b.ready()).toBe(true);
      });

      it('keep namespaces apart by key prefix', async () => {
        const [a] = (await replicas(1)) as [RedisStore];
        const [other] = (await replicas(1)) as [RedisStore];
        await a.markDrifted('k', 'd');
        await new Promise((r) => setTimeout(r, 100));
        expect(other.driftOf('k')).toBeUndefined();
      });

      it('ignore a malformed event on their channel and stay ready', async () => {
        const prefix = `t:${randomUUID()}:`;
        const a = replica(prefix);
        expect(await a.waitUntilReady(5000)).toBe(true);
        const raw = new Redis(redis.url);
        try {
          await raw.publish(`${prefix}events`, '{not json');
          await raw.publish(`${prefix}events`, JSON.stringify({ t: 'drift', key: 1 }));
        } finally {
          raw.disconnect();
        }
        await a.markDrifted('k', 'd');
        expect(a.ready()).toBe(true);
        expect(a.driftOf('k')).toBe('d');
      });
    });

    describe('when Redis goes away', () => {
      it('turn not ready on both, reject writes, and resync on return without losing a drift flag', async () => {
        const [a, b] = (await replicas(2)) as [RedisStore, RedisStore];
        const changesA: boolean[] = [];
        a.onReadyChange((r) => changesA.push(r));
        const gotB: string[] = [];
        await b.subscribe('list_changed', (m) => gotB.push(m));
        await a.markDrifted('before', 'seen before the outage');
        await a.putVerified('list', 'sha256:11');
        await vi.waitFor(() => expect(b.driftOf('before')).toBeDefined(), WAIT);

        await redis.stop();
        await vi.waitFor(() => expect([a.ready(), b.ready()]).toEqual([false, false]), WAIT);
        expect(changesA).toEqual([false]);
        await expect(a.markDrifted('during', 'seen in the outage')).rejects.toBeInstanceOf(
          StoreUnavailableError,
        );
        await expect(b.putVerified('x', 'y')).rejects.toThrow(/store unavailable \(disconnected\)/);
        await expect(a.publish('list_changed', 'lost')).rejects.toBeInstanceOf(StoreUnavailableError);
        const madeInOutage: string[] = [];
        await a.subscribe('made_in_outage', (m) => madeInOutage.push(m));
        // Fail closed: the drift seen during the outage blocks on the replica that saw it, at once.
        expect(a.driftOf('during')).toBe('seen in the outage');
        expect(b.driftOf('before')).toBe('seen before the outage');

        // Redis comes back empty (no persistence); the replicas write back what they hold.
        await redis.start();
        await vi.waitFor(() => expect([a.ready(), b.ready()]).toEqual([true, true]), {
          ...WAIT,
          timeout: 10_000,
        });
        expect(changesA).toEqual([false, true]);
        for (const store of [a, b]) {
          expect(store.driftOf('before')).toBe('seen before the outage');
          expect(store.verifiedOf('list')).toBe('sha256:11');
        }
        await vi.waitFor(() => expect(b.driftOf('during')).toBe('seen in the outage'), WAIT);

        // A replica started after the restart learns everything from Redis alone.
        const late = replica(a.keyPrefix);
        expect(await late.waitUntilReady(5000)).toBe(true);
        expect(late.driftOf('before')).toBe('seen before the outage');
        expect(late.driftOf('during')).toBe('seen in the outage');

        // Subscriptions made before the outage are live again.
        await a.publish('list_changed', 'after');
        await vi.waitFor(() => expect(gotB).toEqual(['after']), WAIT);
        // And one made during the outage went live with the resync.
        await b.publish('made_in_outage', 'hello');
        await vi.waitFor(() => expect(madeInOutage).toEqual(['hello']), WAIT);
      });
    });

    describe('when Redis hangs', () => {
      it('turn not ready within the heartbeat timeout, reject writes, and recover when it answers again', async () => {
        const [a, b] = (await replicas(2)) as [RedisStore, RedisStore];
        redis.pause();
        try {
          // Still ready for a moment: this write times out on the link instead, which recycles it.
          await expect(a.markDrifted('hung', 'seen while hung')).rejects.toBeInstanceOf(
            StoreUnavailableError,
          );
          await vi.waitFor(() => expect([a.ready(), b.ready()]).toEqual([false, false]), WAIT);
          await expect(b.putVerified('k', 'd')).rejects.toBeInstanceOf(StoreUnavailableError);
        } finally {
          redis.resume();
        }
        await vi.waitFor(() => expect([a.ready(), b.ready()]).toEqual([true, true]), {
          ...WAIT,
          timeout: 10_000,
        });
        await vi.waitFor(() => expect(b.driftOf('hung')).toBe('seen while hung'), WAIT);
      });
    });

    describe('lifecycle', () => {
      it('is not ready and rejects writes while Redis cannot be reached', async () => {
        const store = replica(`t:${randomUUID()}:`, 'redis://127.0.0.1:1');
        expect(await store.waitUntilReady(300)).toBe(false);
        expect(store.ready()).toBe(false);
        await expect(store.markDrifted('k', 'd')).rejects.toThrow(
          /store unavailable \(disconnected\): cannot mark drift/,
        );
        expect(store.driftOf('k')).toBe('d');
        // The flag seen here is still confirmed locally; one it has not seen cannot be, so the read rejects.
        expect(await store.driftConfirmed('k')).toBe('d');
        await expect(store.driftConfirmed('other')).rejects.toThrow(
          /store unavailable \(disconnected\): cannot read a drift flag/,
        );
      });

      it('close() ends readiness once, rejects writes, and can be called twice', async () => {
        const [a] = (await replicas(1)) as [RedisStore];
        const changes: boolean[] = [];
        a.onReadyChange(() => {
          throw new Error('a throwing listener harms nobody');
        });
        a.onReadyChange((r) => changes.push(r));
        await a.close();
        await a.close();
        expect(a.ready()).toBe(false);
        expect(changes).toEqual([false]);
        await expect(a.putVerified('k', 'd')).rejects.toThrow(/\(closed\)/);
        await expect(a.subscribe('c', () => {})).rejects.toBeInstanceOf(StoreUnavailableError);
      });
    });
  },
);
