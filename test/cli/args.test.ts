import { describe, expect, it } from 'vitest';
import {
  DEPRECATED_OPTIONS,
  type OptionSpec,
  parseCommandArgs,
  suggestOption,
  wantsHelp,
} from '../../src/cli/args.js';

function sink() {
  const lines: string[] = [];
  return { lines, stderr: { write: (s: string) => lines.push(s) } };
}

describe('parseCommandArgs', () => {
  describe('reads every deprecated spelling as its current name', () => {
    it.each(Object.entries(DEPRECATED_OPTIONS))('--%s', (old, { use, value }) => {
      const options: OptionSpec = { [use]: { type: 'string' } };
      const { lines, stderr } = sink();
      const argv = value === undefined ? [`--${old}`, 'v', `--${old}=v`] : [`--${old}`];
      const { values } = parseCommandArgs<Record<string, string>>('x', argv, options, { stderr });
      expect(values[use]).toBe(value ?? 'v');
      expect(lines).toEqual([
        `capseal: warning: --${old} is deprecated and goes in the next release: use --${use}${value === undefined ? '' : ` ${value}`}\n`,
      ]);
    });
  });

  it('leaves a name alone where the command still offers it, and never touches the server command', () => {
    const { lines, stderr } = sink();
    const { values, command } = parseCommandArgs<{ name?: string }>(
      'x',
      ['--name', 'a', '--', 'srv', '--name', 'b', '--sse'],
      { name: { type: 'string' }, server: { type: 'string' } },
      { stderr },
    );
    expect(values).toEqual({ name: 'a' });
    expect(command).toEqual(['srv', '--name', 'b', '--sse']);
    expect(lines).toEqual([]);
  });

  it('does not rewrite the value of an option', () => {
    const { values } = parseCommandArgs<{ env?: string[] }>('x', ['--env=--sse'], {
      env: { type: 'string', multiple: true },
      transport: { type: 'string' },
    });
    expect(values).toEqual({ env: ['--sse'] });
  });

  it.each([
    [['--nmae', 'x'], { name: { type: 'string' } }, /x: unknown option --nmae \(did you mean --name\?\)/],
    [['--fail-no', 'x'], { 'fail-on': { type: 'string' } }, /did you mean --fail-on\?/],
    [['--timeouts=5'], { timeout: { type: 'string' } }, /did you mean --timeout\?/],
    [['--zzzzzz'], { timeout: { type: 'string' } }, /^x: unknown option --zzzzzz$/],
    [['stray'], {}, /x: unexpected argument "stray"/],
    [['--network', 'allow', '--deny-network'], { network: { type: 'string' } }, /contradicts/],
    [['--timeout'], { timeout: { type: 'string' } }, /argument missing/],
  ] as [string[], OptionSpec, RegExp][])('refuses %j as a usage error', (argv, options, message) => {
    expect(() => parseCommandArgs('x', argv, options)).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(message) }),
    );
  });

  it('says where a server command goes when a command that starts servers gets a stray argument', () => {
    expect(() => parseCommandArgs('lock', ['npx', 'srv'], { url: { type: 'string' } })).toThrow(
      expect.objectContaining({ details: expect.arrayContaining([expect.stringContaining('lock -- npx')]) }),
    );
  });

  it('with operandStartsCommand, reads the first operand on as the server command (a host dropped --)', () => {
    const spec: OptionSpec = { lock: { type: 'string' }, server: { type: 'string' } };
    const parsed = parseCommandArgs<{ lock?: string; server?: string }>(
      'proxy',
      ['--lock', 'l.json', '--name', 'a', 'npx', '-y', 'pkg', '--name', 'b'],
      spec,
      { operandStartsCommand: true },
    );
    expect(parsed.values).toEqual({ lock: 'l.json', server: 'a' });
    expect(parsed.command).toEqual(['npx', '-y', 'pkg', '--name', 'b']);
    const explicit = parseCommandArgs('proxy', ['--lock', 'l', '--', 'node', 'x'], spec, {
      operandStartsCommand: true,
    });
    expect(explicit.command).toEqual(['node', 'x']);
    expect(parseCommandArgs('proxy', ['--lock', 'l'], spec, { operandStartsCommand: true }).command).toBe(
      undefined,
    );
  });

  it('takes as many positionals as the command allows', () => {
    expect(parseCommandArgs('diff', ['a', 'b'], {}, { maxPositionals: 2 }).positionals).toEqual(['a', 'b']);
    expect(() => parseCommandArgs('diff', ['a', 'b', 'c'], {}, { maxPositionals: 2 })).toThrow(/"c"/);
  });
});

describe('suggestOption', () => {
  it('names the closest option or the only one the typed text starts', () => {
    expect(suggestOption('--lokc', ['lock', 'policy'])).toBe('lock');
    expect(suggestOption('--pol', ['lock', 'policy'])).toBe('policy');
    expect(suggestOption('--wholly-different', ['lock', 'policy'])).toBeUndefined();
  });
});

describe('wantsHelp', () => {
  it('finds --help and -h among the command’s own arguments only', () => {
    expect(wantsHelp(['check', '--help'])).toBe(true);
    expect(wantsHelp(['--out', 'x', '-h'])).toBe(true);
    expect(wantsHelp(['--', 'npx', 'srv', '--help'])).toBe(false);
  });
});
