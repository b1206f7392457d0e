// The pure half of snapshot: normalization of server replies into lockfile entries, the client
// declaration, mcpServers config parsing and artifact classification. Shells live in ./io/ (import
// them from '../snapshot/io/index.js').
export {
  type ArtifactPlan,
  planArtifact,
} from './artifact.js';
export { parseHostConfig, parseMcpConfig } from './config.js';
export { surfacesDiffer } from './eras.js';
export { jsonDepthFrom, parseLimitsEnv } from './limits.js';
export {
  buildServerEntry,
  CLIENT_DECLARATION,
  normalizeDiscover,
  normalizeList,
  normalizePrompt,
  normalizeResource,
  normalizeResourceTemplate,
  normalizeServerInfo,
  normalizeTool,
  type RawGenerations,
  type RawSnapshot,
  type RawSurface,
  SERVER_INFO_META_KEY,
  sourceOf,
  VOLATILE_META_KEYS,
} from './normalize.js';
export { describeArtifact, renderScanSummary } from './summary.js';
export { DEFAULT_LIMITS, type ServerSpec, type SnapshotLimits } from './types.js';
