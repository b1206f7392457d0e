import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { CapsealError, errorMessage } from '../shared/index.js';
import type { ServerSpec } from '../snapshot/index.js';
import { parseHostConfig, parseMcpConfig, planArtifact } from '../snapshot/index.js';

/** What resolving a source may read: relative paths (`-- CMD`, `--config FILE`) resolve against `cwd`. */
export interface SourceContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where to say how a config was read (a `capseal proxy` wrapper unwrapped): stderr in the CLI. */
  notice?: (line: string) => void;
}

/** Where the servers come from, as a command line (or the Action's inputs) says it. Exactly one of command, url, config. */
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
  /** The lockfile's directory: `--config` paths are recorded relative to it (default: the CLI's cwd). */
  lockDir?: string;
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
export async function resolveServerSpecs(input: ServerSourceInput, io: SourceContext): Promise<ServerSpec[]> {
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
      details: [errorMessage(error)],
    });
  }
  const host = parseHostConfig(text, {
    origin: input.config as string,
    env: io.env,
    configDir: dirname(path),
    lockDir: resolve(io.cwd, input.lockDir ?? '.'),
    exists: existsSync,
  });
  for (const note of host.notes) io.notice?.(note);
  let specs = host.specs;
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
