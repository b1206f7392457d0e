// The proxy's shells: audit log file, server process, stdio byte mover, artifact pin check.

export { verifyArtifactPin } from './artifact-pin.js';
export { type AuditSink, nullAuditSink, openAuditLog } from './audit-log.js';
export {
  buildServerEnv,
  INHERITED_ENV,
  type ServerProcess,
  type ServerProcessSpec,
  spawnServer,
} from './spawn-server.js';
export { runStdioProxy, type StdioProxyOptions, type StdioProxyResult } from './stdio-proxy.js';
