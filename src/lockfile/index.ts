export { canonicalize, digestOf, sameCanonical } from './canonical.js';
export { digestEntry, digestServerInfo, sealEntry, sealServerInfo } from './digest.js';
export { renderLockfileJsonSchema } from './json-schema.js';
export { locateNearestPath, locatePath } from './locate.js';
export { formatPath, type ParseOptions, parseLockfile } from './parse.js';
export {
  type Artifact,
  ArtifactSchema,
  type ClientDeclaration,
  ENTRY_KINDS,
  type EntryKind,
  type Generations,
  type Icon,
  type LaunchPattern,
  LaunchPatternSchema,
  LOCKFILE_VERSION,
  LOCKFILE_VERSIONS,
  type Lockfile,
  LockfileSchema,
  type LockfileVersion,
  type PromptEntry,
  type ResourceEntry,
  type ResourceTemplateEntry,
  type Sandbox,
  type ServerEntry,
  ServerEntrySchema,
  type ServerInfo,
  type Source,
  SourceSchema,
  type Surface,
  type ToolEntry,
} from './schema.js';
export { compareKeys, serializeLockfile } from './serialize.js';
