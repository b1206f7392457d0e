import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { type NetworkMode, SANDBOX_MODES, type SandboxMode } from '../sandbox/types.js';
import { CapsealError } from '../shared/errors.js';
import { planArtifact } from '../snapshot/artifact.js';
import { parseMcpConfig } from '../snapshot/config.js';
import type { SnapshotOptions } from '../snapshot/io/snapshot.js';
import { parseLimitsEnv } from '../snapshot/limits.js';
import type { ServerSpec } from '../snapshot/types.js';
import type { OptionSpec } from './args.js';
import type { CliIO } from './io.js';

/** Where the servers come from, as a command line says it. Exactly one of command, url, config. */
export interface ServerSourceInput {
  /** Everything after `--`. */
  command?: string[];
  url?: string;
  transport?: 'streamable-http' | 'sse';
  config?: string;
  /** The server's name (`-- CMD`, `--url`), or the one server to take from `--config`. */
  name?: string;
  /** `NAME` (copied from capseal's environment) or `NAME=VALUE`: the only variables a stdio server gets. */
  env?: string[];
  /** `Name: value` headers for `--url`. */
  headers?: string[];
  /** Working directory for a `-- CMD` server (a fresh temp dir otherwise). */
  cwd?: string;
}

/**
 * The options every command that starts or reaches servers offers (scan, lock, check, proxy). Spread into
 * a command's parseArgs spec; turn the values into specs with serverInputFrom + resolveServerSpecs, and
 * into snapshot options with snapshotOptionsFrom.
 */
export const serverOptionSpec = {
  config: { type: 'string' },
  url: { type: 'string' },
  sse: { type: 'boolean' },
  transport: { type: 'string' },
  name: { type: 'string' },
  env: { type: 'string', multiple: true },
  header: { type: 'string', multiple: true },
  cwd: { type: 'string' },
  'deny-network': { type: 'boolean' },
  sandbox: { type: 'string' },
  network: { type: 'string' },
  timeout: { type: 'string' },
} as const satisfies OptionSpec;

export interface ServerOptionValues {
  config?: string;
  url?: string;
  sse?: boolean;
  transport?: string;
  name?: string;
  env?: string[];
  header?: string[];
  cwd?: string;
  'deny-network'?: boolean;
  sandbox?: string;
  network?: string;
  timeout?: string;
}

/** Usage lines for commands that spread serverOptionSpec. */
export const serverOptionUsage = [
  '  -- CMD [ARGS...]        a stdio server command line (e.g. -- npx -y @modelcontextprotocol/server-everything)',
  '  --url URL               a Streamable HTTP server (--sse or --transport sse for legacy SSE)',
  '  --config FILE           an mcpServers JSON file (.mcp.json, claude_desktop_config.json); all its servers',
  '  --name NAME             the server name (default: derived from the command or URL); with --config, one server',
  '  --env NAME[=VALUE]      pass a variable to a stdio server (repeatable; NAME alone copies it from here)',
  '  --header "Name: value"  send a header to a URL server (repeatable)',
  '  --cwd DIR               working directory for a stdio server (default: a fresh temp dir)',
  '  --sandbox MODE          strict (no sandbox, no run) | auto (default: warn loudly without one) | off',
  '  --network deny|allow    network for sandboxed stdio servers (default deny; --deny-network is the same)',
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
  if (values.sse) {
    if (transport === 'streamable-http')
      throw new CapsealError('USAGE', '--sse contradicts --transport streamable-http');
    transport = 'sse';
  }
  const input: ServerSourceInput = {};
  if (command !== undefined) input.command = command;
  if (values.url !== undefined) input.url = values.url;
  if (transport !== undefined) input.transport = transport;
  if (values.config !== undefined) input.config = values.config;
  if (values.name !== undefined) input.name = values.name;
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
  values: Pick<ServerOptionValues, 'sandbox' | 'network' | 'deny-network'>,
  defaults: { network?: NetworkMode } = {},
): { mode: SandboxMode; network: NetworkMode } {
  const mode = values.sandbox ?? 'auto';
  if (!(SANDBOX_MODES as readonly string[]).includes(mode)) {
    throw new CapsealError('USAGE', `--sandbox must be strict, auto or off (got "${mode}")`);
  }
  if (values.network !== undefined && values.network !== 'deny' && values.network !== 'allow') {
    throw new CapsealError('USAGE', `--network must be deny or allow (got "${values.network}")`);
  }
  if (values.network === 'allow' && values['deny-network']) {
    throw new CapsealError('USAGE', '--deny-network contradicts --network allow');
  }
  const network: NetworkMode =
    values.network === 'allow'
      ? 'allowed'
      : values.network === 'deny' || values['deny-network']
        ? 'denied'
        : (defaults.network ?? 'denied');
  return { mode: mode as SandboxMode, network };
}

/** A deterministic default name for a server given by its command line. */
export function deriveServerName(command: string, args: readonly string[]): string {
  const plan = planArtifact({ name: '', transport: 'stdio', command, args: [...args] });
  switch (plan.kind) {
    case 'npm':
      return plan.name.replace(/^@[^/]+\//, '');
    case 'file':
      return basename(plan.path).replace(/\.(m?[jt]s|cjs|py|rb|sh)$/, '') || 'server';
    case 'docker':
      return (plan.image.split('@')[0] ?? plan.image).split('/').pop()?.split(':')[0] || 'server';
    default:
      return basename(command).replace(/\.(exe|cmd)$/i, '') || 'server';
  }
}

function parseEnvOptions(items: readonly string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const item of items) {
    const eq = item.indexOf('=');
    const name = eq === -1 ? item : item.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      problems.push(`--env ${item}: "${name}" is not a variable name`);
      continue;
    }
    const value = eq === -1 ? env[name] : item.slice(eq + 1);
    if (value === undefined) problems.push(`--env ${name}: not set in capseal's environment`);
    else out[name] = value;
  }
  if (problems.length > 0) throw new CapsealError('USAGE', 'invalid --env', { details: problems });
  return out;
}

function parseHeaders(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const item of items) {
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/.exec(item);
    if (m === null) problems.push(`--header ${JSON.stringify(item)}: expected "Name: value"`);
    else out[m[1] as string] = m[2] as string;
  }
  if (problems.length > 0) throw new CapsealError('USAGE', 'invalid --header', { details: problems });
  return out;
}

/**
 * Resolve where the servers come from into specs: `-- CMD…` (stdio; relative paths resolve against the
 * CLI's cwd), `--url` (Streamable HTTP, or SSE), or `--config FILE` (every server in it, sorted by name;
 * relative paths resolve against the file's directory; `--name` picks one). Exactly one source; anything
 * else is a USAGE error (exit 2); an unreadable or invalid config is INVALID_INPUT (exit 2) listing every
 * problem.
 */
export async function resolveServerSpecs(input: ServerSourceInput, io: CliIO): Promise<ServerSpec[]> {
  const given = [
    input.command !== undefined ? '-- CMD' : undefined,
    input.url !== undefined ? '--url' : undefined,
    input.config !== undefined ? '--config' : undefined,
  ].filter((x) => x !== undefined);
  if (given.length === 0) {
    throw new CapsealError('USAGE', 'no server given', {
      details: ['give one of: -- CMD [ARGS...]  |  --url URL  |  --config FILE'],
    });
  }
  if (given.length > 1) {
    throw new CapsealError('USAGE', `give only one server source (got ${given.join(' and ')})`);
  }
  const stdioOnly = (flag: string, present: boolean) => {
    if (present && input.command === undefined) {
      throw new CapsealError(
        'USAGE',
        `${flag} applies to a -- CMD server only (put it in the config file instead)`,
      );
    }
  };
  stdioOnly('--env', (input.env?.length ?? 0) > 0);
  stdioOnly('--cwd', input.cwd !== undefined);
  if ((input.headers?.length ?? 0) > 0 && input.url === undefined) {
    throw new CapsealError('USAGE', '--header applies to --url only');
  }
  if (input.transport !== undefined && input.url === undefined) {
    throw new CapsealError('USAGE', '--sse/--transport apply to --url only');
  }

  if (input.command !== undefined) {
    const [command, ...args] = input.command;
    if (command === undefined || command === '') {
      throw new CapsealError('USAGE', 'nothing after --', {
        details: ['e.g. -- npx -y @modelcontextprotocol/server-everything'],
      });
    }
    const env = parseEnvOptions(input.env ?? [], io.env);
    return [
      {
        name: input.name ?? deriveServerName(command, args),
        transport: 'stdio',
        command,
        args,
        ...(Object.keys(env).length === 0 ? {} : { env }),
        ...(input.cwd === undefined ? {} : { cwd: input.cwd }),
        baseDir: io.cwd,
      },
    ];
  }

  if (input.url !== undefined) {
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw new CapsealError('USAGE', `--url is not a URL: ${input.url}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new CapsealError('USAGE', `--url must be http(s) (got ${url.protocol})`);
    }
    const headers = parseHeaders(input.headers ?? []);
    return [
      {
        name: input.name ?? url.hostname,
        transport: input.transport ?? 'streamable-http',
        url: input.url,
        ...(Object.keys(headers).length === 0 ? {} : { headers }),
      },
    ];
  }

  const path = resolve(io.cwd, input.config as string);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `cannot read --config ${input.config}`, {
      details: [error instanceof Error ? error.message : String(error)],
    });
  }
  const baseDir = dirname(path);
  let specs = parseMcpConfig(text, input.config).map((spec) =>
    spec.transport === 'stdio' ? { ...spec, baseDir } : spec,
  );
  if (input.name !== undefined) {
    const wanted = input.name;
    specs = specs.filter((s) => s.name === wanted);
    if (specs.length === 0) {
      throw new CapsealError('USAGE', `--config ${input.config} has no server named "${wanted}"`, {
        details: [
          `servers: ${parseMcpConfig(text, input.config)
            .map((s) => s.name)
            .join(', ')}`,
        ],
      });
    }
  }
  return specs;
}
