// The gateway's shared state (issue 17): one interface, in memory for one process, Redis for replicas.
export { StoreUnavailableError } from './errors.js';
export { MemoryStore, type MemoryStoreOptions } from './memory.js';
export type { GatewayStore } from './types.js';
