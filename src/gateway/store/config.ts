import { z } from 'zod';
import { errorMessage, type Logger, silentLogger } from '../../shared/index.js';
import { MemoryStore } from './memory.js';
import { RedisStore } from './redis.js';
import type { GatewayStore } from './types.js';

/**
 * Where a gateway keeps the state its replicas share: `memory` (the default, one process) or `redis` (N
 * replicas behind a load balancer). The gateway config embeds this schema as its `store` field.
 */
export const storeConfigSchema = z
  .discriminatedUnion('kind', [
    z
      .strictObject({
        kind: z.literal('memory').describe('In-process state: one replica, no extra services.'),
      })
      .describe('Embedded store for a single gateway process'),
    z
      .strictObject({
        kind: z.literal('redis').describe('Shared state in Redis, for several replicas.'),
        url: z
          .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
          .describe('Redis URL: redis://[user:password@]host:port[/db], or rediss:// for TLS.'),
        keyPrefix: z
          .string()
          .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ . : -')
          .optional()
          .describe('Namespace of every key and channel, so several gateways can share one Redis.'),
        connectTimeoutMs: z
          .number()
          .int()
          .min(100)
          .max(60_000)
          .optional()
          .describe('How long one connection attempt may take, in milliseconds (default 5000).'),
      })
      .describe('Redis store shared by gateway replicas'),
  ])
  .describe('Shared gateway state');

export type StoreConfig = z.infer<typeof storeConfigSchema>;

/**
 * Build the store a config names. A Redis store starts connecting at once and reports `ready()` false until
 * it has connected and synced; the gateway serves /readyz false and fails gated calls closed meanwhile.
 */
export function createStore(config: StoreConfig, options: { logger?: Logger } = {}): GatewayStore {
  const logger = options.logger ?? silentLogger;
  if (config.kind === 'memory') {
    return new MemoryStore({
      onHandlerError: (error) => logger.warn(`gateway store: subscriber threw: ${errorMessage(error)}`),
    });
  }
  const store = new RedisStore({
    url: config.url,
    ...(config.keyPrefix === undefined ? {} : { keyPrefix: config.keyPrefix }),
    ...(config.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: config.connectTimeoutMs }),
    logger,
  });
  store.connect();
  return store;
}
