import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from '../../shared/index.js';

/** Options of the Redis store. Every delay is bounded; none of them makes a write wait for a reconnect. */
export interface RedisStoreOptions {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://…`. */
  url: string;
  /** Namespace of every key and channel, so several gateways can share one Redis. Default `capseal:gateway:`. */
  keyPrefix?: string;
  /** How long one connection attempt may take. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** How long one command may take before it rejects (a hung Redis). Default 5000 ms. */
  commandTimeoutMs?: number;
  /**
   * Liveness: both links are PINGed this often, and one that does not answer within `timeoutMs` is dropped
   * and reconnected, so a hung Redis (stopped, partitioned) turns `ready()` false instead of leaving a stale
   * view that claims to be current. Defaults 1000 ms and 2000 ms.
   */
  heartbeat?: { intervalMs?: number; timeoutMs?: number };
  /** Reconnect backoff: first delay, doubled per attempt up to `maxDelayMs`, plus jitter. Retries never stop. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  logger?: Logger;
}

/**
 * ioredis options for one of the store's two links. Nothing queues behind a reconnect (a write while
 * disconnected fails now, and the caller fails closed); reconnects back off exponentially to a bound and
 * never stop; we subscribe again ourselves, before the resync, so readiness implies live subscriptions.
 */
export function linkOptions(role: 'cmd' | 'sub', options: RedisStoreOptions): RedisOptions {
  const initial = options.reconnect?.initialDelayMs ?? 100;
  const max = options.reconnect?.maxDelayMs ?? 2000;
  return {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times: number) =>
      Math.min(initial * 2 ** Math.min(times - 1, 16), max) + Math.random() * 50,
    connectionName: `capseal-gateway-${role}`,
  };
}

/** PING `client`; rejects when no PONG arrives within `timeoutMs` (a hung Redis keeps the socket open). */
export async function pingWithin(client: Redis, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no PONG within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
