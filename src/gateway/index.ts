// The gateway: many locked upstreams behind one Streamable HTTP endpoint (issue 17). The pure parts
// (config, namespacing, filtering, merging, routing, metrics) are here; the HTTP shell and the upstream
// supervisor live in ./io/. Shared state lives behind one interface (./store), in memory by default and in
// Redis for replicas.

export {
  type GatewayConfig,
  GatewayConfigSchema,
  MAX_NAME_LENGTH,
  NAME_CHARS,
  type ParsedGatewayConfig,
  parseGatewayConfig,
  renderGatewayJsonSchema,
  type UpstreamConfig,
  unprefixedUpstream,
} from './config.js';
export { allowAllTools, compileToolFilter, type ToolFilter } from './filter.js';
export {
  KEY_FIELD,
  kindOfListMethod,
  LIST_OF,
  mergeLists,
  type Page,
  pageOf,
  type UpstreamItems,
} from './merge.js';
export { GatewayMetrics } from './metrics.js';
export {
  createNamespace,
  ENTRY_KINDS,
  type EntryKindName,
  exposeName,
  findNamespaceProblems,
  type LockedNames,
  type Namespace,
  resolveName,
  routesBack,
} from './namespace.js';
export {
  exposeNotification,
  exposeResult,
  GATEWAY_BLOCK_KINDS,
  type GatewayBlockKind,
  isRoutedMethod,
  type RouteDecision,
  routeRequest,
  stripEnvelope,
} from './router.js';
export {
  createStore,
  type GatewayStore,
  MemoryStore,
  RedisStore,
  type RedisStoreOptions,
  type StoreConfig,
  StoreUnavailableError,
  storeConfigSchema,
} from './store/index.js';
export type { PreparedGateway, PreparedUpstream } from './types.js';
