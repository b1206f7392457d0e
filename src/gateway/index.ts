// The gateway: many locked upstreams behind one Streamable HTTP endpoint (issue 17). Shared state lives
// behind one interface (./store), in memory by default and in Redis for replicas.
export type { GatewayStore } from './store/types.js';
