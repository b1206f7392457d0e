import { resolveServerSpecs, type ServerSourceInput } from '../engine/index.js';
import { type NetworkMode, SANDBOX_MODES, type SandboxMode } from '../sandbox/index.js';
import { CapsealError } from '../shared/index.js';
import type { ServerSpec } from '../snapshot/index.js';
import { parseLimitsEnv } from '../snapshot/index.js';
import type { SnapshotOptions } from '../snapshot/io/index.js';
import { type OptionSpec, parseCommandArgs } from './args.js';
import type { CliIO } from './io.js';

/**
 * The options every command that starts or reaches servers offers (scan, lock, check, proxy). Spread into
 * a command's parseArgs spec; turn the values into specs with serverInputFrom + resolveServerSpecs, and
 * into snapshot options with snapshotOptionsFrom.
 */
export const serverOptionSpec = {
  config: { type: 'string' },
  url: { type: 'string' },
  transport: { type: 'string' },
  server: { type: 'string' },
  env: { type: 'string', multiple: true },
  header: { type: 'string', multiple: true },
  cwd: { type: 'string' },
  sandbox: { type: 'string' },
  network: { type: 'string' },
  timeout: { type: 'string' },
} as const satisfies OptionSpec;

export interface ServerOptionValues {
  config?: string;
  url?: string;
  transport?: string;
  server?: string;
  env?: string[];
  header?: string[];
  cwd?: string;
  sandbox?: string;
  network?: string;
  timeout?: string;
}

/** Usage lines for commands that spread serverOptionSpec. */
export const serverOptionUsage = [
  '  -- CMD [ARGS...]        a stdio server command line (e.g. -- npx -y @modelcontextprotocol/server-everything)',
  '  --url URL               a Streamable HTTP server (--transport sse for a legacy SSE one)',
  '  --config FILE           an mcpServers JSON file (.mcp.json, claude_desktop_config.json); all its servers',
  '  --server NAME           the server name (default: derived from the command or URL); with --config, one server',
  '  --env NAME[=VALUE]      pass a variable to a stdio server (repeatable; NAME alone copies it from here)',
  '  --header "Name: value"  send a header to a URL server (repeatable)',
  '  --cwd DIR               working directory for a stdio server (default: a fresh temp dir)',
  '  --sandbox MODE          strict (no sandbox, no run) | auto (default: warn loudly without one) | off',
  '  --network deny|allow    network for sandboxed stdio servers (default deny)',
  '  --timeout MS            total time allowed per server (default 60000; CAPSEAL_TOTAL_TIMEOUT_MS)',
].join('\n');

/** Map parsed option values (and the `--` command) to a ServerSourceInput. */
export function serverInputFrom(
  values: ServerOptionValues,
  command: string[] | undefined,
): ServerSourceInput {
  let transport: 'streamable-http' | 'sse' | undefined;
  if (values.transport !== undefined) {
    if (values.transport !== 'streamable-http' && values.transport !== 'sse') {
      throw new CapsealError(
        'USAGE',
        `--transport must be streamable-http or sse (got "${values.transport}")`,
      );
    }
    transport = values.transport;
  }
  const input: ServerSourceInput = {};
  if (command !== undefined) input.command = command;
  if (values.url !== undefined) input.url = values.url;
  if (transport !== undefined) input.transport = transport;
  if (values.config !== undefined) input.config = values.config;
  if (values.server !== undefined) input.name = values.server;
  if (values.env !== undefined) input.env = values.env;
  if (values.header !== undefined) input.headers = values.header;
  if (values.cwd !== undefined) input.cwd = values.cwd;
  return input;
}

/** Limits (env CAPSEAL_*; --timeout wins for the total) and sandbox options for snapshotServer. */
export function snapshotOptionsFrom(values: ServerOptionValues, io: CliIO): SnapshotOptions {
  const limits = parseLimitsEnv(io.env);
  if (values.timeout !== undefined) {
    const ms = Number(values.timeout);
    if (!Number.isSafeInteger(ms) || ms <= 0) {
      throw new CapsealError(
        'USAGE',
        `--timeout must be a positive number of milliseconds (got "${values.timeout}")`,
      );
    }
    limits.totalTimeoutMs = ms;
    if (limits.startupTimeoutMs === undefined || limits.startupTimeoutMs > ms) limits.startupTimeoutMs = ms;
  }
  return { limits, sandbox: sandboxSettingsFrom(values), parentEnv: io.env };
}

/** `--sandbox` and `--network` (CLI defaults: auto, deny), as the sandbox module takes them. */
export function sandboxSettingsFrom(
  values: Pick<ServerOptionValues, 'sandbox' | 'network'>,
  defaults: { network?: NetworkMode } = {},
): { mode: SandboxMode; network: NetworkMode } {
  const mode = values.sandbox ?? 'auto';
  if (!(SANDBOX_MODES as readonly string[]).includes(mode)) {
    throw new CapsealError('USAGE', `--sandbox must be strict, auto or off (got "${mode}")`);
  }
  if (values.network !== undefined && values.network !== 'deny' && values.network !== 'allow') {
    throw new CapsealError('USAGE', `--network must be deny or allow (got "${values.network}")`);
  }
  const network: NetworkMode =
    values.network === 'allow'
      ? 'allowed'
      : values.network === 'deny'
        ? 'denied'
        : (defaults.network ?? 'denied');
  return { mode: mode as SandboxMode, network };
}

/**
 * Parse the argv of a command that snapshots the servers it is given (scan, lock): its own options plus
 * serverOptionSpec. Returns the values, the resolved specs and the snapshot options; usage errors first.
 */
export async function parseServerCommand<T extends ServerOptionValues>(
  name: string,
  argv: readonly string[],
  io: CliIO,
  own: OptionSpec,
  /** The lockfile's directory, which --config paths are recorded relative to (default: the cwd). */
  lockDirOf?: (values: T) => string,
): Promise<{ values: T; specs: ServerSpec[]; snapshot: SnapshotOptions }> {
  const { values, command } = parseCommandArgs<T>(
    name,
    argv,
    { ...serverOptionSpec, ...own },
    { stderr: io.stderr },
  );
  const input = serverInputFrom(values, command);
  const specs = await resolveServerSpecs(
    lockDirOf === undefined ? input : { ...input, lockDir: lockDirOf(values) },
    {
      ...io,
      notice: (line) => io.stderr.write(`capseal: ${line}\n`),
    },
  );
  return { values, specs, snapshot: snapshotOptionsFrom(values, io) };
}
