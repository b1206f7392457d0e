import { CapsealError, exitCodeFor, formatError, VERSION } from '../shared/index.js';
import { commands } from './commands/index.js';
import type { CliIO } from './io.js';

function renderHelp(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'capseal — lock, check, govern, sign and enforce MCP server capabilities',
    '',
    'usage: capseal <command> [options]',
    '',
    ...lines,
    '',
    'exit codes: 0 pass · 1 the gate says no · 2 usage or invalid input · 3 server failed · 70 internal error',
    '',
  ].join('\n');
}

/**
 * The CLI: argv → command → exit code. This is the one top-level catch: typed errors become their
 * documented exit code and a precise message on stderr; anything else is exit 70.
 */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(renderHelp());
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const command = commands[name];
    if (command === undefined) {
      throw new CapsealError('USAGE', `unknown command "${name}"`, { details: ['see: capseal --help'] });
    }
    if (rest[0] === '--help' || rest[0] === '-h') {
      io.stdout.write(`usage: ${command.usage}\n`);
      return 0;
    }
    return await command.run(rest, io);
  } catch (error) {
    io.stderr.write(`${formatError(error)}\n`);
    return exitCodeFor(error);
  }
}
