import { CapsealError, exitCodeFor, formatError, VERSION } from '../shared/index.js';
import { suggestOption, wantsHelp } from './args.js';
import { commands } from './commands/index.js';
import { type CliIO, describeFsError } from './io.js';

function suggestCommand(name: string): string | undefined {
  return suggestOption(name, Object.keys(commands));
}

function renderHelp(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'capseal — lock, check, govern, sign and enforce MCP server capabilities',
    '',
    'usage: capseal <command> [options]     (capseal <command> --help for its options)',
    '',
    ...lines,
    '',
    'exit codes: 0 pass · 1 the gate says no · 2 usage or invalid input · 3 server failed · 70 internal error',
    '',
  ].join('\n');
}

/**
 * A file the user named that cannot be read or written (a Node system error with a path) is their input,
 * not our bug: one line and exit 2, whichever command met it.
 */
export function asFileError(error: unknown): unknown {
  if (error instanceof CapsealError) {
    // `cannot read X` with Node's own message as the only detail: the same, on one line.
    const only = error.details.length === 1 ? (error.details[0] as string) : '';
    const code = /^(E[A-Z]+): /.exec(only)?.[1];
    if (code === undefined || error.code !== 'INVALID_INPUT') return error;
    return new CapsealError(error.code, `${error.message}: ${describeFsError({ code })}`, { cause: error });
  }
  if (!(error instanceof Error)) return error;
  const { code, path, syscall } = error as NodeJS.ErrnoException;
  if (typeof code !== 'string' || typeof path !== 'string') return error;
  const verb = syscall === 'open' || syscall === undefined ? 'open' : syscall;
  return new CapsealError('INVALID_INPUT', `cannot ${verb} ${path}: ${describeFsError(error)}`, {
    cause: error,
  });
}

/**
 * The CLI: argv → command → exit code. This is the one top-level catch: typed errors become their
 * documented exit code and a precise message on stderr; anything else is exit 70.
 */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === 'help' && rest[0] !== undefined) return await main([rest[0], '--help'], io);
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(renderHelp());
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (command === undefined) {
      const meant = suggestCommand(name);
      throw new CapsealError(
        'USAGE',
        `unknown command "${name}"${meant === undefined ? '' : ` (did you mean ${meant}?)`}`,
        { details: ['see: capseal --help'] },
      );
    }
    // Before the command parses anything: `capseal policy check --help` is help, not an unknown option.
    if (wantsHelp(rest)) {
      io.stdout.write(`usage: ${command.usage}\n`);
      return 0;
    }
    return await command.run(rest, io);
  } catch (caught) {
    const error = asFileError(caught);
    io.stderr.write(`${formatError(error)}\n`);
    return exitCodeFor(error);
  }
}
