// The gateway's shared state (issue 17): one interface, in memory for one process, Redis for replicas.
export { createStore, type StoreConfig, storeConfigSchema } from './config.js';
export { StoreUnavailableError } from './errors.js';
export { MemoryStore, type MemoryStoreOptions } from './memory.js';
export { RedisStore } from './redis.js';
export type { RedisStoreOptions } from './redis-link.js';
export type { GatewayStore } from './types.js';
