/**
 * The GitHub Actions runner's reading of a step's output, for tests: which lines it would obey as workflow
 * commands. Follows the runner's rules (actions/runner ActionCommandManager and ActionCommand):
 * - output is read line by line, a line ending at `\n`, `\r\n` or a lone `\r`;
 * - a line is a command when, after leading whitespace, it starts with `::name[ props]::data` (v2) or
 *   `##[name[ props]]data` (v1, legacy); the command name is case-insensitive;
 * - after `::stop-commands::TOKEN` no line is a command until one whose command name is TOKEN;
 * - data is unescaped `%25` `%0D` `%0A`, properties also `%3A` `%2C`.
 * It also flags the lines the log viewer styles even when they are not obeyed (a leading `##[`).
 */

export interface WorkflowCommand {
  name: string;
  properties: Record<string, string>;
  data: string;
  line: number;
  form: 'v1' | 'v2';
}

export interface CommandReplay {
  /** Every line the runner obeys (or would try to: unknown names too). */
  commands: WorkflowCommand[];
  /** Lines that start with `##[` (styled by the log viewer), obeyed or not. */
  styled: string[];
  /** Lines printed while commands were stopped. */
  inert: string[];
}

function unescapeData(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

function unescapeProperty(s: string): string {
  return unescapeData(s).replace(/%3A/gi, ':').replace(/%2C/gi, ',');
}

function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) out[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1));
  }
  return out;
}

/** One line as a command, or undefined. */
export function parseCommandLine(raw: string, line = 0): WorkflowCommand | undefined {
  const text = raw.trimStart();
  if (text.startsWith('::')) {
    const end = text.indexOf('::', 2);
    if (end < 0) return undefined;
    const info = text.slice(2, end);
    const space = info.indexOf(' ');
    const name = space < 0 ? info : info.slice(0, space);
    if (name === '') return undefined;
    return {
      name: name.toLowerCase(),
      properties: space < 0 ? {} : parseProperties(info.slice(space + 1)),
      data: unescapeData(text.slice(end + 2)),
      line,
      form: 'v2',
    };
  }
  if (text.startsWith('##[')) {
    const end = text.indexOf(']', 3);
    if (end < 0) return undefined;
    const info = text.slice(3, end);
    const space = info.indexOf(' ');
    const name = space < 0 ? info : info.slice(0, space);
    if (name === '') return undefined;
    return {
      name: name.toLowerCase(),
      properties: space < 0 ? {} : parseProperties(info.slice(space + 1).replace(/;/g, ',')),
      data: unescapeData(text.slice(end + 1)),
      line,
      form: 'v1',
    };
  }
  return undefined;
}

/** Replay output as the runner reads it. */
export function replayWorkflowCommands(output: string): CommandReplay {
  const lines = output.split(/\r\n|\n|\r/);
  const commands: WorkflowCommand[] = [];
  const styled: string[] = [];
  const inert: string[] = [];
  let stopToken: string | undefined;
  lines.forEach((text, index) => {
    if (text.trimStart().startsWith('##[')) styled.push(text);
    const command = parseCommandLine(text, index + 1);
    if (stopToken !== undefined) {
      if (command !== undefined && command.name === stopToken) {
        stopToken = undefined;
        commands.push(command);
      } else inert.push(text);
      return;
    }
    if (command === undefined) return;
    commands.push(command);
    if (command.name === 'stop-commands' && command.data !== '') stopToken = command.data.toLowerCase();
  });
  return { commands, styled, inert };
}
