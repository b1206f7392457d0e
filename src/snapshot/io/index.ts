// The shells of snapshot: sandboxed spawn, transports, artifact resolution, the snapshot itself.
export { findLocalNpmPackage, resolveArtifact } from './artifact.js';
export { type SnapshotOptions, snapshotServer, snapshotServers } from './snapshot.js';
export {
  parseStdoutLine,
  SandboxedStdioTransport,
  type SpawnPlan,
  type StdioFailure,
} from './stdio-transport.js';
