import type { ServerEntry } from '../lockfile/index.js';
import type { CallPolicy, EntryNormalizers, ResultPolicy } from '../proxy/index.js';
import type { HttpUpstreamSpec, SandboxedLaunch, ServerProcessSpec } from '../proxy/io/index.js';
import type { GatewayConfig } from './config.js';
import type { ToolFilter } from './filter.js';
import type { Namespace } from './namespace.js';

/** One upstream after its pre-flight (lockfile verified, artifact pin checked): ready to be started. */
export interface PreparedUpstream {
  /** The upstream's name in the config: its namespace prefix, and the `server` of its audit records. */
  name: string;
  /** The lockfile entry it is held to. */
  serverName: string;
  entry: ServerEntry;
  transport: { kind: 'stdio'; spec: ServerProcessSpec } | { kind: 'http'; spec: HttpUpstreamSpec };
  /** How live entries are normalized and digested: exactly as `lock` does. */
  normalizers: EntryNormalizers;
  policy: CallPolicy | undefined;
  resultPolicy: ResultPolicy | undefined;
  allowMethods: string[];
  filter: ToolFilter;
  required: boolean;
  /** A fresh sandboxed launch for each (re)start of a stdio upstream; undefined: spawned unsandboxed. */
  launch?: () => Promise<SandboxedLaunch | undefined>;
}

/** Everything the gateway shell needs, produced by the engine's prepareGateway (nothing started yet). */
export interface PreparedGateway {
  config: GatewayConfig;
  configPath: string;
  namespace: Namespace;
  upstreams: PreparedUpstream[];
  /** The bearer token every /mcp request must carry, when the config names a token file. */
  token?: string;
  /** The audit log path, resolved. */
  auditLog?: string;
}
