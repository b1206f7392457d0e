// The proxy's shells: audit log file, server process, the relay between two endpoints, the stdio endpoints,
// artifact pin check. The HTTP endpoints (./http-upstream.js, ./http-host.js) are not re-exported: they pull
// in the SDK's HTTP transports, which a stdio proxy should not load; import them directly, on demand.

export { type PinCheck, verifyArtifactPin, verifyRemotePin } from './artifact-pin.js';
export { type AuditSink, nullAuditSink, openAuditLog } from './audit-log.js';
export type { HttpUpstreamSpec } from './http-upstream.js';
export { type Endpoint, type EndpointSink, type ProxyResult, type RelayOptions, runRelay } from './relay.js';
export {
  buildServerEnv,
  INHERITED_ENV,
  type ServerProcess,
  type ServerProcessSpec,
  spawnServer,
} from './spawn-server.js';
export {
  type SandboxedLaunch,
  type StdioServerOptions,
  stdioHostEndpoint,
  stdioServerEndpoint,
} from './stdio-proxy.js';
