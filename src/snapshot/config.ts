import { isAbsolute, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { compareKeys } from '../lockfile/index.js';
import { CapsealError, fileDepthLimit, parseJsonText, validateWith } from '../shared/index.js';
import type { ServerSpec } from './types.js';

const StringRecord = z.record(z.string(), z.string());

// Lenient about keys other tools add (disabled, autoApprove, timeout, …); strict about what we use.
const EntrySchema = z
  .looseObject({
    type: z.enum(['stdio', 'http', 'streamable-http', 'streamableHttp', 'sse']).optional(),
    command: z.string().min(1, 'must not be empty').optional(),
    args: z.array(z.string()).optional(),
    env: StringRecord.optional(),
    cwd: z.string().min(1).optional(),
    url: z.url().optional(),
    headers: StringRecord.optional(),
  })
  .superRefine((entry, ctx) => {
    const remote = entry.type !== undefined && entry.type !== 'stdio';
    if (entry.command !== undefined && entry.url !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'has both "command" and "url"; give one' });
    } else if (entry.command === undefined && entry.url === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs "command" (stdio) or "url" (http/sse)' });
    } else if (remote && entry.url === undefined) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: `type "${entry.type}" needs a "url"` });
    } else if (entry.type === 'stdio' && entry.command === undefined) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'type "stdio" needs a "command"' });
    }
    if (entry.url !== undefined && !/^https?:/i.test(entry.url)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'must be an http(s) URL' });
    }
  });

const ConfigSchema = z
  .looseObject({
    mcpServers: z.record(z.string().min(1, 'server name must not be empty'), EntrySchema).optional(),
    servers: z.record(z.string().min(1, 'server name must not be empty'), EntrySchema).optional(),
  })
  .superRefine((config, ctx) => {
    if (config.mcpServers === undefined && config.servers === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['mcpServers'],
        message: 'missing (expected an object of servers)',
      });
    }
  });

/**
 * Parse a standard MCP client config (`.mcp.json`, `claude_desktop_config.json`: `{ "mcpServers": { name:
 * { command, args, env, cwd } | { type, url, headers } } }`; VS Code's `servers` key too) into specs sorted
 * by name. Values are taken literally (no `${VAR}` expansion: parseHostConfig reads a config the way a host
 * does). Every problem is reported, by path, as one INVALID_INPUT error (exit 2). Pure: the caller reads
 * the file and sets `baseDir` on stdio specs.
 */
export function parseMcpConfig(text: string, origin = 'config', maxJsonDepth?: number): ServerSpec[] {
  return specsFromConfig(parseJsonText(text, origin, fileDepthLimit(maxJsonDepth)), origin);
}

function specsFromConfig(raw: unknown, origin: string): ServerSpec[] {
  const config = validateWith(ConfigSchema, raw, origin, 'a valid mcpServers config');
  const all = { ...(config.servers ?? {}), ...(config.mcpServers ?? {}) };
  const names = Object.keys(all).sort(compareKeys);
  if (names.length === 0) {
    throw new CapsealError('INVALID_INPUT', `${origin} lists no servers`, {
      details: ['mcpServers: expected at least one server'],
    });
  }
  return names.map((name): ServerSpec => {
    const e = all[name] as z.infer<typeof EntrySchema>;
    if (e.url !== undefined) {
      return {
        name,
        transport: e.type === 'sse' ? 'sse' : 'streamable-http',
        url: e.url,
        ...(e.headers === undefined ? {} : { headers: e.headers }),
      };
    }
    return {
      name,
      transport: 'stdio',
      command: e.command as string,
      args: e.args ?? [],
      ...(e.env === undefined ? {} : { env: e.env }),
      ...(e.cwd === undefined ? {} : { cwd: e.cwd }),
    };
  });
}

export interface HostConfigOptions {
  /** The config's name in messages (as the user wrote its path). */
  origin: string;
  /** What `${VAR}` expands from: the environment the host would launch the servers with. */
  env: Readonly<Record<string, string | undefined>>;
  /** The config file's directory: relative paths in it resolve against it, as a host launching there does. */
  configDir: string;
  /** The lockfile's directory: resolved paths are recorded relative to it, and specs resolve against it. */
  lockDir: string;
  /** Whether an absolute path names an existing file or directory (injected: this module does no I/O). */
  exists(absolutePath: string): boolean;
}

export interface HostConfig {
  specs: ServerSpec[];
  /** One line per thing the user should know about how the config was read (for stderr). */
  notes: string[];
}

/**
 * Read an `mcpServers` config the way the host that owns it does, then resolve it for capseal:
 * - an entry that launches `capseal proxy … -- CMD` (or `capseal proxy … --url URL`) is the server that
 *   proxy guards, so that is the one snapshotted (a note says so); a wrapper without either launches what
 *   a lockfile records, which a config cannot say, and is refused;
 * - `${VAR}` and `${VAR:-default}` in command, args, env, cwd, url and headers expand like Claude Code
 *   expands them (an unset variable without a default is an error); the lockfile keeps what was written,
 *   so no value reaches it (`recorded`);
 * - relative paths (an argument that names an existing file or directory, and `cwd`) resolve against the
 *   config's directory and, when the lockfile lives elsewhere, are rewritten relative to the lockfile's.
 * Every problem, by path, is one INVALID_INPUT error.
 */
export function parseHostConfig(text: string, options: HostConfigOptions): HostConfig {
  const raw = parseJsonText(text, options.origin);
  const notes: string[] = [];
  const problems: string[] = [];
  const written = specsFromConfig(raw, options.origin);
  const specs = written.map((spec) => {
    const path = `mcpServers.${spec.name}`;
    const unwrapped = unwrapProxy(spec, path, problems);
    if (unwrapped !== spec) {
      notes.push(
        `${options.origin}: server "${spec.name}" runs capseal proxy; using the server it guards (${describe(unwrapped)})`,
      );
    }
    return resolveSpec(unwrapped, path, options, problems);
  });
  if (problems.length > 0) {
    throw new CapsealError('INVALID_INPUT', `${options.origin} cannot be read as a host reads it`, {
      details: problems,
    });
  }
  return { specs, notes };
}

function describe(spec: ServerSpec): string {
  return spec.transport === 'stdio' ? [spec.command, ...spec.args].join(' ') : spec.url;
}

// capseal proxy's options that take a value, so that value is never mistaken for `--` or `--url`.
const PROXY_VALUE_FLAGS = new Set([
  '--lock',
  '--server',
  '--name',
  '--mode',
  '--audit-log',
  '--policy',
  '--env',
  '--key',
  '--public-key',
  '--sigstore-issuer',
  '--sigstore-identity',
  '--sigstore-identity-regexp',
  '--issuer',
  '--identity',
  '--identity-regexp',
  '--trusted-root',
  '--config',
  '--max-line-bytes',
  '--max-pending',
  '--timeout',
  '--timeout-ms',
  '--url',
  '--header',
  '--listen',
  '--transport',
]);

/** `capseal proxy`, `npx [-y] capseal[@v] proxy`, `node …/dist/cli.js proxy`: the args after `proxy`. */
function proxyArgs(command: string, args: readonly string[]): string[] | undefined {
  const base = (p: string) => (p.split(/[\\/]/).pop() ?? p).replace(/\.(cmd|exe|ps1)$/i, '').toLowerCase();
  const rest = (i: number) => (args[i] === 'proxy' ? args.slice(i + 1) : undefined);
  const cmd = base(command);
  if (cmd === 'capseal') return rest(0);
  if (cmd === 'npx') {
    let i = 0;
    while (args[i] === '-y' || args[i] === '--yes') i += 1;
    return /^capseal(@|$)/.test(args[i] ?? '') ? rest(i + 1) : undefined;
  }
  if (cmd === 'node' && /(^|[\\/])dist[\\/]cli\.js$/.test(args[0] ?? '')) return rest(1);
  return undefined;
}

function unwrapProxy(spec: ServerSpec, path: string, problems: string[]): ServerSpec {
  if (spec.transport !== 'stdio') return spec;
  const args = proxyArgs(spec.command, spec.args);
  if (args === undefined) return spec;
  let url: string | undefined;
  let sse = false;
  let server: string | undefined;
  const headers: Record<string, string> = {};
  const envNames: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '--') {
      const [command, ...rest] = args.slice(i + 1);
      if (command === undefined) break;
      const env = { ...spec.env, ...Object.fromEntries(envNames.map((n) => [n, `\${${n}:-}`])) };
      return {
        name: server ?? spec.name,
        transport: 'stdio',
        command,
        args: rest,
        ...(Object.keys(env).length === 0 ? {} : { env }),
        ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
      };
    }
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const value = flag !== arg ? arg.slice(eq + 1) : PROXY_VALUE_FLAGS.has(flag) ? args[++i] : undefined;
    if (flag === '--url') url = value;
    else if (flag === '--sse' || (flag === '--transport' && value === 'sse')) sse = true;
    else if (flag === '--server' || flag === '--name') server = value;
    else if (flag === '--env' && value !== undefined) envNames.push(value.split('=')[0] as string);
    else if (flag === '--header' && value !== undefined) {
      const m = /^([^:]+):\s*(.*)$/.exec(value);
      if (m === null)
        problems.push(`${path}.args: --header ${JSON.stringify(value)}: expected "Name: value"`);
      else headers[(m[1] as string).trim()] = m[2] as string;
    }
  }
  if (url !== undefined) {
    return {
      name: server ?? spec.name,
      transport: sse ? 'sse' : 'streamable-http',
      url,
      ...(Object.keys(headers).length === 0 ? {} : { headers }),
    };
  }
  problems.push(
    `${path}: runs capseal proxy without "-- CMD" or "--url", so the server it guards is whatever its lockfile records; put the server's command after "--" in the config, or check the lockfile alone (capseal check --lock FILE)`,
  );
  return spec;
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Expand `${VAR}` and `${VAR:-default}` as Claude Code does (the default applies when VAR is unset or
 * empty); an unset variable without a default is reported at `path`. Pure.
 */
export function expandVariables(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  path: string,
  problems: string[],
): string {
  return text.replace(VARIABLE, (whole, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    if (value === '') return '';
    problems.push(`${path}: \${${name}} is not set and has no default`);
    return whole;
  });
}

function resolveSpec(spec: ServerSpec, path: string, o: HostConfigOptions, problems: string[]): ServerSpec {
  const x = (text: string, at: string) => expandVariables(text, o.env, `${path}.${at}`, problems);
  const xRecord = (record: Record<string, string> | undefined, at: string) =>
    record === undefined
      ? undefined
      : Object.fromEntries(Object.entries(record).map(([k, v]) => [k, x(v, `${at}.${k}`)]));
  if (spec.transport !== 'stdio') {
    const url = x(spec.url, 'url');
    const headers = xRecord(spec.headers, 'headers');
    return {
      ...spec,
      url,
      ...(headers === undefined ? {} : { headers }),
      ...(url === spec.url ? {} : { recorded: { url: spec.url } }),
    };
  }
  const relocate = resolve(o.configDir) !== resolve(o.lockDir);
  // A relative path the config names (an argument naming an existing file or directory, the rule the
  // sandbox applies when it spawns; or cwd), as an absolute path for launching.
  const located = (value: string, isDir: boolean): string | undefined => {
    if (isAbsolute(value) || value.startsWith('-') || value.includes('://')) return undefined;
    const full = resolve(o.configDir, value);
    return isDir || o.exists(full) ? full : undefined;
  };
  const relativeToLock = (full: string): string => {
    const rel = relative(o.lockDir, full).split(sep).join('/') || '.';
    return rel.includes('/') || rel === '.' || rel === '..' ? rel : `./${rel}`;
  };
  // [launched, recorded]: a written value is recorded as written (moved relative to the lockfile when it
  // is a path and the lockfile lives elsewhere); an expanded one is launched expanded, recorded as written.
  const place = (written: string, at: string, isDir: boolean): [string, string] => {
    const expanded = x(written, at);
    const full = relocate ? located(expanded, isDir) : undefined;
    if (expanded !== written) return [full ?? expanded, written];
    const placed = full === undefined ? written : relativeToLock(full);
    return [placed, placed];
  };
  const command = place(spec.command, 'command', false);
  const args = spec.args.map((a, i) => place(a, `args[${i}]`, false));
  const cwd = spec.cwd === undefined ? undefined : place(spec.cwd, 'cwd', true);
  const env = xRecord(spec.env, 'env');
  const differs = [command, ...args, ...(cwd === undefined ? [] : [cwd])].some(([l, r]) => l !== r);
  return {
    name: spec.name,
    transport: 'stdio',
    command: command[0],
    args: args.map(([launched]) => launched),
    ...(env === undefined ? {} : { env }),
    ...(cwd === undefined ? {} : { cwd: cwd[0] }),
    baseDir: o.lockDir,
    ...(differs
      ? {
          recorded: {
            command: command[1],
            args: args.map(([, recorded]) => recorded),
            ...(cwd === undefined ? {} : { cwd: cwd[1] }),
          },
        }
      : {}),
  };
}
