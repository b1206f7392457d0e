import { describe, expect, it } from 'vitest';
import { createStore, MemoryStore, RedisStore, storeConfigSchema } from '../../../src/gateway/store/index.js';

describe('storeConfigSchema', () => {
  it.each([
    [{ kind: 'memory' }],
    [{ kind: 'redis', url: 'redis://127.0.0.1:6379' }],
    [
      {
        kind: 'redis',
        url: 'rediss://user:pw@redis.internal:6380/2',
        keyPrefix: 'prod:gw:',
        connectTimeoutMs: 2000,
      },
    ],
  ])('accepts %o', (config) => {
    expect(storeConfigSchema.safeParse(config).success).toBe(true);
  });

  it.each([
    [{ kind: 'memcached' }, ['kind']],
    [{ kind: 'memory', url: 'redis://x' }, ['']],
    [{ kind: 'redis' }, ['url']],
    [{ kind: 'redis', url: 'http://127.0.0.1:6379' }, ['url']],
    [{ kind: 'redis', url: 'redis://h:1', keyPrefix: 'has space' }, ['keyPrefix']],
    [{ kind: 'redis', url: 'redis://h:1', connectTimeoutMs: 1.5 }, ['connectTimeoutMs']],
    [{ kind: 'redis', url: 'redis://h:1', extra: true }, ['']],
  ])('rejects %o at %o', (config, paths) => {
    const result = storeConfigSchema.safeParse(config);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(paths);
  });
});

describe('createStore', () => {
  it('builds the in-memory store, ready at once', async () => {
    const store = createStore({ kind: 'memory' });
    expect(store).toBeInstanceOf(MemoryStore);
    expect(store.ready()).toBe(true);
    await store.close();
  });

  it('builds a Redis store that connects in the background and is not ready before it synced', async () => {
    const store = createStore({
      kind: 'redis',
      url: 'redis://127.0.0.1:1',
      keyPrefix: 'x:',
      connectTimeoutMs: 200,
    });
    expect(store).toBeInstanceOf(RedisStore);
    expect(store.ready()).toBe(false);
    expect((store as RedisStore).keyPrefix).toBe('x:');
    await store.close();
  });
});
