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
 * Parse one command's argv with node:util parseArgs in strict mode. Anything after the first bare `--`
 * is the server command and is never interpreted. Unknown options and missing values are USAGE errors
 * (exit 2) with the command's name in the message.
 */
export function parseCommandArgs<T>(
  commandName: string,
  argv: readonly string[],
  options: OptionSpec,
): ParsedCommand<T> {
  const dd = argv.indexOf('--');
  const own = dd >= 0 ? argv.slice(0, dd) : [...argv];
  const command = dd >= 0 ? argv.slice(dd + 1) : undefined;
  try {
    const { values, positionals } = parseArgs({ args: own, options, allowPositionals: true, strict: true });
    return { values: values as T, positionals, command };
  } catch (error) {
    const message = errorMessage(error).replace(/\. To specify.*$/s, '');
    throw new CapsealError('USAGE', `${commandName}: ${message}`, {
      details: [`see: capseal ${commandName} --help`],
    });
  }
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
