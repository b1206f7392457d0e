import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CapsealError, errorMessage } from '../shared/index.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedCommand<T> {
  values: T;
  positionals: string[];
  /** Everything after a bare `--` (a server command line), or undefined when there was no `--`. */
  command: string[] | undefined;
}

/**
 * Old spellings of options, kept for one release: `old` is read as `--use` (as `--use=value` for a boolean
 * spelling of a valued option) wherever a command offers `--use` and not `--old`, with one warning each.
 * The one table of flag renames: every command parses through parseCommandArgs, so none can disagree.
 */
/** The lockfile `capseal lock` writes and `capseal check` reads when no path is given (relative to the cwd). */
export const DEFAULT_LOCK = 'mcp-lock.json';

export const DEPRECATED_OPTIONS: Readonly<Record<string, { use: string; value?: string }>> = {
  name: { use: 'server' },
  'timeout-ms': { use: 'timeout' },
  issuer: { use: 'sigstore-issuer' },
  identity: { use: 'sigstore-identity' },
  'identity-regexp': { use: 'sigstore-identity-regexp' },
  'deny-network': { use: 'network', value: 'deny' },
  sse: { use: 'transport', value: 'sse' },
};

/** How a deprecated spelling is shown in its warning: `--sse` → `--transport sse`. */
function replacement(old: string): string {
  const { use, value } = DEPRECATED_OPTIONS[old] as { use: string; value?: string };
  return value === undefined ? `--${use}` : `--${use} ${value}`;
}

/** True when `--help` or `-h` appears among a command's own arguments (before a bare `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  const dd = argv.indexOf('--');
  const own = dd >= 0 ? argv.slice(0, dd) : argv;
  return own.some((a) => a === '--help' || a === '-h');
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost));
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/** The option a mistyped one most likely meant (a close spelling, or the only option it starts), if any. */
export function suggestOption(unknown: string, known: readonly string[]): string | undefined {
  const typed = unknown.replace(/^-+/, '');
  const starts = known.filter((k) => k.startsWith(typed) || typed.startsWith(k));
  if (starts.length === 1) return starts[0];
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(typed.length / 3)) + 1;
  for (const k of known) {
    const d = distance(typed, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Rewrite deprecated spellings to their current name (one warning per spelling). Values of string
 * options are skipped, so an argument that happens to look like a flag is never rewritten.
 */
function rewriteDeprecated(
  own: readonly string[],
  options: OptionSpec,
  warn: (line: string) => void,
): string[] {
  const warned = new Set<string>();
  const out: string[] = [];
  for (let i = 0; i < own.length; i += 1) {
    const arg = own[i] as string;
    const m = /^--([^=]+)(=(.*))?$/s.exec(arg);
    const name = m?.[1];
    if (m === null || name === undefined) {
      out.push(arg);
      continue;
    }
    const alias = DEPRECATED_OPTIONS[name];
    if (alias !== undefined && !(name in options) && alias.use in options) {
      if (!warned.has(name)) {
        warned.add(name);
        warn(`--${name} is deprecated and goes in the next release: use ${replacement(name)}`);
      }
      if (alias.value === undefined)
        out.push(m[2] === undefined ? `--${alias.use}` : `--${alias.use}=${m[3]}`);
      else if (m[2] === undefined) out.push(`--${alias.use}=${alias.value}`);
      else throw new CapsealError('USAGE', `--${name} takes no value (got "${arg}")`);
      continue;
    }
    out.push(arg);
    const spec = options[name];
    if (spec?.type === 'string' && m[2] === undefined && i + 1 < own.length) out.push(own[++i] as string);
  }
  return out;
}

/** Options given more than once that take one value: last-one-wins would hide a contradiction. */
function checkRepeated(
  tokens: readonly { kind: string; name?: string; value?: string | undefined }[],
  options: OptionSpec,
) {
  const seen = new Map<string, string | undefined>();
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name === undefined || options[t.name]?.multiple === true) continue;
    if (seen.has(t.name) && seen.get(t.name) !== t.value) {
      const show = (v: string | undefined) => (v === undefined ? `--${t.name}` : `--${t.name} ${v}`);
      throw new CapsealError('USAGE', `${show(seen.get(t.name))} contradicts ${show(t.value)}`);
    }
    seen.set(t.name, t.value);
  }
}

/**
 * Where the first operand is in `own` (skipping option values), for commands whose first operand starts
 * the server command when a host dropped the bare `--` (the MCP Inspector does). -1 when there is none.
 */
function firstOperand(own: readonly string[], options: OptionSpec): number {
  for (let i = 0; i < own.length; i += 1) {
    const arg = own[i] as string;
    if (!arg.startsWith('-') || arg === '-') return i;
    const m = /^--([^=]+)$/.exec(arg);
    const name = m?.[1];
    if (name === undefined) continue;
    const alias = DEPRECATED_OPTIONS[name];
    const spec = options[name] ?? (alias?.value === undefined ? options[alias?.use ?? ''] : undefined);
    if (spec?.type === 'string') i += 1;
  }
  return -1;
}

export interface ParseSettings {
  /** Where deprecation warnings go (stderr); none when absent. */
  stderr?: { write(chunk: string): unknown };
  /** How many positional arguments the command takes at most (default 0: any is a usage error). */
  maxPositionals?: number;
  /** Without a bare `--`, the first operand and everything after it are the server command. */
  operandStartsCommand?: boolean;
}

/**
 * Parse one command's argv with node:util parseArgs in strict mode. Anything after the first bare `--`
 * is the server command and is never interpreted. Unknown options (with the option probably meant),
 * missing values, stray arguments and contradicting repeats are USAGE errors (exit 2) naming the
 * command; deprecated spellings (DEPRECATED_OPTIONS) are read as their current name with a warning.
 */
export function parseCommandArgs<T>(
  commandName: string,
  argv: readonly string[],
  options: OptionSpec,
  settings: ParseSettings = {},
): ParsedCommand<T> {
  let dd = argv.indexOf('--');
  let skip = 1;
  if (dd < 0 && settings.operandStartsCommand === true) {
    dd = firstOperand(argv, options);
    skip = 0;
  }
  const command = dd >= 0 ? argv.slice(dd + skip) : undefined;
  const help = { details: [`see: capseal ${commandName} --help`] };
  const warn = (line: string) => settings.stderr?.write(`capseal: warning: ${line}\n`);
  const own = rewriteDeprecated(dd >= 0 ? argv.slice(0, dd) : argv, options, warn);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: own, options, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    const unknown = /Unknown option '([^']+)'/.exec(errorMessage(error))?.[1];
    if (unknown !== undefined) {
      const meant = suggestOption(unknown, Object.keys(options));
      const hint = meant === undefined ? '' : ` (did you mean --${meant}?)`;
      throw new CapsealError('USAGE', `${commandName}: unknown option ${unknown}${hint}`, help);
    }
    const message = errorMessage(error).replace(/\. To specify.*$/s, '');
    throw new CapsealError('USAGE', `${commandName}: ${message}`, help);
  }
  checkRepeated(parsed.tokens ?? [], options);
  const max = settings.maxPositionals ?? 0;
  if (parsed.positionals.length > max) {
    const extra = parsed.positionals[max] as string;
    const details =
      command === undefined && max === 0 && 'url' in options
        ? [`a server command goes after --: capseal ${commandName} -- ${extra} …`, ...help.details]
        : help.details;
    throw new CapsealError('USAGE', `${commandName}: unexpected argument "${extra}"`, { details });
  }
  return { values: parsed.values as T, positionals: parsed.positionals, command };
}

/** The one-of choice for an option with a fixed set of values, as a USAGE error when it is anything else. */
export function parseChoice<T extends string>(
  option: string,
  value: string | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new CapsealError('USAGE', `--${option} must be one of ${choices.join(', ')} (got "${value}")`);
}
