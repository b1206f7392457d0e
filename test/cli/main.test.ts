import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import type { CliIO } from '../../src/cli/io.js';
import { asFileError, main } from '../../src/cli/main.js';
import { CapsealError } from '../../src/shared/index.js';
import { REPO } from '../helpers/cli.js';

/** Run the CLI in-process (nothing here starts a server: every case ends before that). */
async function run(argv: readonly string[], cwd = REPO) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { PATH: process.env.PATH },
    cwd,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

// Every command and subcommand, from the command table itself: a command added later is covered too.
const EVERY = Object.entries(commands).flatMap(([name, c]) => [
  [name],
  ...(c.subcommands ?? []).map((sub) => [name, sub]),
]);

describe('capseal', () => {
  describe.each(EVERY)('%s %s', (...words) => {
    const path = words.filter((w) => w !== undefined);
    it.each([['--help'], ['-h'], ['--format', 'json', '--help']])(
      'answers %s with its usage on stdout (exit 0)',
      async (...flags) => {
        const result = await run([...path, ...flags]);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toMatch(new RegExp(`^usage: capseal ${path[0]}\\b`));
        expect(result.stderr).toBe('');
      },
    );

    it('refuses an unknown option (exit 2) and says how to get help', async () => {
      const result = await run([...path, '--no-such-option']);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/unknown option --no-such-option/);
    });
  });

  it('help COMMAND is COMMAND --help', async () => {
    expect(await run(['help', 'lock'])).toEqual(await run(['lock', '--help']));
  });

  it.each([
    [['lokc'], 'unknown command "lokc" (did you mean lock?)'],
    [['lock', '--otu', 'x.json'], 'lock: unknown option --otu (did you mean --out?)'],
    [['check', '--fail-no', 'info'], 'check: unknown option --fail-no (did you mean --fail-on?)'],
    [['proxy', '--audit-logs', 'a.log'], 'proxy: unknown option --audit-logs (did you mean --audit-log?)'],
    [['schema', 'extra'], 'schema: unexpected argument "extra"'],
    [['policy', 'functions', '--json'], 'policy functions: unknown option --json'],
    [['lock', 'npx', 'srv'], 'lock: unexpected argument "npx"'],
  ])('%j is a usage error: %s', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`capseal: ${message}`);
  });

  it('warns once about a deprecated option and goes on', async () => {
    const result = await run(['check', '--deny-network', '--help']);
    expect(result.code).toBe(0);
    const parsed = await run(['lock', '--name', 'x', '--sse', '--timeout', 'soon']);
    expect(parsed.code).toBe(2);
    expect(parsed.stderr.match(/deprecated/g)).toHaveLength(2);
    expect(parsed.stderr).toContain('--name is deprecated and goes in the next release: use --server');
    expect(parsed.stderr).toContain('--sse is deprecated and goes in the next release: use --transport sse');
  });
});

describe('a file capseal cannot read or write', () => {
  const dir = mkdtempSync(join(tmpdir(), 'capseal-files-'));
  const lock = join(REPO, 'fixtures', 'locks', 'server-everything.json');
  const config = join(dir, 'mcp.json');
  writeFileSync(config, JSON.stringify({ mcpServers: { a: { command: 'node', args: ['a.mjs'] } } }));
  const missing = join(dir, 'missing');
  const noDir = join(dir, 'no-such-dir', 'file');
  it.each([
    ['check', '--lock', missing],
    ['check', '--lock', lock, '--key', missing],
    ['diff', missing, lock],
    ['diff', dir, lock],
    ['verify', '--key', missing, lock],
    ['sign', '--key', missing, lock],
    ['keygen', '--private', noDir, '--public', `${noDir}.pub`],
    ['policy', 'check', '--lock', missing, '--policy', 'baseline'],
    ['policy', 'check', '--lock', lock, '--policy', missing],
    ['lock', '--config', missing],
    ['lock', '--config', config, '--out', noDir],
    ['proxy', '--lock', lock, '--audit-log', noDir, '--sandbox', 'off'],
    ['init', '--config', missing, '--yes'],
  ])('%s %s … is exit 2 with the path named and no stack trace', async (...argv) => {
    // The proxy checks the locked artifact (in the repository's node_modules) before it opens the log.
    const result = await run(argv, argv[0] === 'proxy' ? REPO : dir);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/^capseal: (?!proxy)/m);
    expect(result.stderr).toMatch(/missing|no-such-dir|capseal-files-/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr).not.toContain('internal error');
    // One line for the error (the proxy logs two progress lines before it); a policy pack that is neither a
    // file nor a shipped pack is listed as a problem of its own.
    const lines = result.stderr
      .trimEnd()
      .split('\n')
      .filter((l) => !l.startsWith('capseal proxy:'));
    expect(lines).toHaveLength(argv[argv.indexOf('--policy') + 1] === missing ? 2 : 1);
  });
});

describe('asFileError', () => {
  it('turns a system error with a path into one line (exit 2), and leaves anything else to exit 70', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/x'"), {
      code: 'ENOENT',
      syscall: 'open',
      path: '/x',
    });
    expect(asFileError(enoent)).toMatchObject({
      code: 'INVALID_INPUT',
      message: 'cannot open /x: no such file or directory',
    });
    const read = new CapsealError('INVALID_INPUT', 'cannot read /y', {
      details: ["ENOENT: no such file or directory, open '/y'"],
    });
    expect(asFileError(read)).toMatchObject({
      message: 'cannot read /y: no such file or directory',
      details: [],
    });
    const listed = new CapsealError('INVALID_INPUT', 'invalid lockfile', {
      details: ['servers.a: required'],
    });
    expect(asFileError(listed)).toBe(listed);
    const bug = new TypeError('x is undefined');
    expect(asFileError(bug)).toBe(bug);
  });
});
