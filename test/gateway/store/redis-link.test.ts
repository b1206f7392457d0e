import { describe, expect, it } from 'vitest';
import { linkOptions } from '../../../src/gateway/store/redis-link.js';

describe('linkOptions', () => {
  const options = linkOptions('cmd', {
    url: 'redis://h:1',
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
  });

  it('never queues a command behind a reconnect, nor resubscribes behind our back', () => {
    expect(options).toMatchObject({
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResubscribe: false,
      lazyConnect: true,
      connectTimeout: 5000,
      commandTimeout: 5000,
    });
  });

  it('backs off exponentially to the bound (plus < 50 ms jitter) and never gives up', () => {
    const retry = options.retryStrategy as (times: number) => number;
    for (const [times, base] of [
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 800],
      [5, 1000],
      [1000, 1000],
    ] as const) {
      const delay = retry(times);
      expect(delay).toBeGreaterThanOrEqual(base);
      expect(delay).toBeLessThan(base + 50);
    }
  });
});
