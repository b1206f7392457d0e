import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, REPO, runCli } from '../helpers/cli.js';

// Process-level: real `capseal` processes against hostile servers and files. Whatever comes in, the exit
// code is a documented one (never 70) and stderr never carries a stack trace.
const DEEP = join(REPO, 'fixtures/servers/deep-schema.mjs');
const fast = { ...process.env, CAPSEAL_STARTUP_TIMEOUT_MS: '10000', CAPSEAL_TOTAL_TIMEOUT_MS: '20000' };
const STACK = /^\s+at .+\(?.*:\d+:\d+\)?$/m;

function expectClean(result: CliResult, code: number): void {
  expect(result.stderr).not.toMatch(STACK);
  expect(result.stderr).not.toContain('internal error');
  expect(result.code).toBe(code);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'capseal-hostile-'));
});

describe('a server whose schema nests deeper than the JSON limit', () => {
  describe.each([5_000, 100_000])('%i levels over stdio', (depth) => {
    const env = { ...fast, DEPTH: String(depth) };
    const server = ['--env', 'DEPTH', '--', process.execPath, DEEP];

    it('lock exits 3 naming the server and the limit, and writes nothing', async () => {
      const out = join(dir, `lock-${depth}.json`);
      const result = await runCli(['lock', '--out', out, ...server], { env });
      expectClean(result, 3);
      expect(result.stderr).toContain('server "deep-schema" failed: sent a message nested more than 64');
      expect(result.stderr).toContain('CAPSEAL_MAX_JSON_DEPTH');
    });

    it('scan --json exits 3 with nothing on stdout', async () => {
      const result = await runCli(['scan', '--json', ...server], { env });
      expectClean(result, 3);
      expect(result.stdout).toBe('');
    });

    it('check --format json of a server locked shallow exits 3', async () => {
      const lock = join(dir, `shallow-${depth}.json`);
      const locked = await runCli(['lock', '--out', lock, ...server], { env: { ...env, DEPTH: '3' } });
      expectClean(locked, 0);
      const result = await runCli(['check', '--lock', lock, '--format', 'json'], { env });
      expectClean(result, 3);
      expect(result.stderr).toContain('nested more than 64 levels deep');
    });
  });

  it('locks a schema within the limit, and a raised limit admits deeper ones', async () => {
    const server = ['--env', 'DEPTH', '--', process.execPath, DEEP];
    const ok = await runCli(['lock', '--out', join(dir, 'ok.json'), ...server], {
      env: { ...fast, DEPTH: '50' },
    });
    expectClean(ok, 0);
    const raised = await runCli(['lock', '--out', join(dir, 'raised.json'), ...server], {
      env: { ...fast, DEPTH: '500', CAPSEAL_MAX_JSON_DEPTH: '600' },
    });
    expectClean(raised, 0);
    const diff = await runCli(['diff', join(dir, 'raised.json'), join(dir, 'raised.json')], {
      env: { ...fast, CAPSEAL_MAX_JSON_DEPTH: '600' },
    });
    expectClean(diff, 0);
    const strict = await runCli(['diff', join(dir, 'raised.json'), join(dir, 'raised.json')], { env: fast });
    expectClean(strict, 2);
    expect(strict.stderr).toContain('is nested more than 72 levels deep');
  });

  it('refuses a limit above the ceiling as a usage error', async () => {
    const result = await runCli(['scan', '--', process.execPath, DEEP], {
      env: { ...fast, CAPSEAL_MAX_JSON_DEPTH: '100000' },
    });
    expectClean(result, 2);
    expect(result.stderr).toContain('CAPSEAL_MAX_JSON_DEPTH: must be at most 1000');
  });

  describe('over Streamable HTTP', () => {
    let child: ChildProcess;
    let url: string;
    beforeAll(async () => {
      child = spawn(process.execPath, [DEEP, '--http'], {
        env: { PATH: process.env.PATH ?? '', DEPTH: '100000' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      url = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout?.on('data', (d: Buffer) => {
          text += d.toString();
          const m = /listening on port (\d+)/.exec(text);
          if (m) resolve(`http://127.0.0.1:${m[1]}/mcp`);
        });
        child.once('exit', (code) => reject(new Error(`deep-schema --http exited ${code}`)));
      });
    });
    afterAll(() => {
      child.kill('SIGKILL');
    });

    it('lock and scan --json exit 3 naming the limit', async () => {
      for (const args of [
        ['lock', '--out', join(dir, 'http.json')],
        ['scan', '--json'],
      ]) {
        const result = await runCli([...args, '--url', url], { env: fast });
        expectClean(result, 3);
        expect(result.stderr).toContain('sent a message nested more than 64 levels deep');
      }
    });
  });
});

describe('files nested deeper than the limit', () => {
  const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

  it.each([100, 5_000, 100_000])('a %i-level lockfile: diff, check and policy check exit 2', async (n) => {
    const file = join(dir, `deep-${n}.json`);
    writeFileSync(file, deep(n));
    for (const args of [
      ['diff', file, file, '--format', 'json'],
      ['check', '--lock', file, '--format', 'json'],
      ['policy', 'check', '--lock', file, '--policy', 'baseline'],
    ]) {
      const result = await runCli(args, { env: fast });
      expectClean(result, 2);
      expect(result.stderr).toContain('is nested more than 72 levels deep');
    }
  });

  it('a 100,000-level config file: lock exits 2', async () => {
    const file = join(dir, 'deep-config.json');
    writeFileSync(file, `{"mcpServers":${deep(100_000)}}`);
    const result = await runCli(['lock', '--out', join(dir, 'never.json'), '--config', file], { env: fast });
    expectClean(result, 2);
    expect(result.stderr).toContain('is nested more than 72 levels deep');
    expect(() => readFileSync(join(dir, 'never.json'))).toThrow();
  });
});

describe('servers with look-alike tool names (Homoglyph Forge)', () => {
  const CONF = join(REPO, 'fixtures/servers/confusable-names.mjs');

  it('lock warns on read_file beside a Cyrillic read_fіle, and baseline makes it an error', async () => {
    const out = join(dir, 'within.json');
    const locked = await runCli(['lock', '--out', out, '--', process.execPath, CONF], { env: fast });
    expectClean(locked, 0);
    expect(locked.stderr).toContain(
      'warning: tool "read_f\u0456le" of server "confusable-names" is a possible look-alike: contains look-alike characters U+0456 (looks like "i"); is confusable with tool "read_file"',
    );
    const policy = await runCli(['policy', 'check', '--lock', out, '--policy', 'baseline'], { env: fast });
    expect(policy.code).toBe(1);
    expect(policy.stdout).toContain('no-confusable-names');
    expect(policy.stdout).toContain('read_f\u0456le');
  });

  it('lock warns across the servers of one lockfile', async () => {
    const config = join(dir, 'two.json');
    const server = (mode: string) => ({ command: process.execPath, args: [CONF], env: { CONFUSABLE: mode } });
    writeFileSync(
      config,
      JSON.stringify({ mcpServers: { plain: server('plain'), wide: server('fullwidth') } }),
    );
    const locked = await runCli(['lock', '--out', join(dir, 'two-lock.json'), '--config', config], {
      env: fast,
    });
    expectClean(locked, 0);
    expect(locked.stderr).toContain(
      'warning: tool "read_file" of server "plain" is a possible look-alike: is confusable with tool "ｒｅａｄ_file" of server "wide"',
    );
  });
});

describe('servers and files holding values that cannot be canonicalized', () => {
  const HOSTILE = join(REPO, 'fixtures/servers/hostile-replies.mjs');

  it.each([
    ['lone-surrogate', 'name: lone surrogate'],
    ['proto-key', 'inputSchema.properties.__proto__: the key "__proto__" cannot be locked'],
    ['huge-number', 'inputSchema.properties.n.maximum: number out of range'],
  ])('lock of a server sending %s exits 3 naming the place', async (mode, detail) => {
    const result = await runCli(
      ['lock', '--out', join(dir, `${mode}.json`), '--env', 'HOSTILE', '--', process.execPath, HOSTILE],
      { env: { ...fast, HOSTILE: mode } },
    );
    expectClean(result, 3);
    expect(result.stderr).toContain(detail);
  });

  it.each([
    ['a lone surrogate', '"\\ud800x"'],
    ['a number out of range', '1e400'],
  ])('diff and check of a lockfile holding %s exit 2', async (_what, value) => {
    const file = join(dir, `bad-${value.length}.json`);
    writeFileSync(file, `{"lockfileVersion":1,"servers":{"s":{"x":${value}}}}`);
    for (const args of [
      ['diff', file, file],
      ['check', '--lock', file],
    ]) {
      const result = await runCli(args, { env: fast });
      expectClean(result, 2);
      expect(result.stderr).toContain('contains a value that cannot be canonicalized');
    }
  });
});
