import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseLockfile } from '../../src/lockfile/index.js';
import { REPO, runCli } from '../helpers/cli.js';

/** Run the CLI in-process (the servers are still real processes). */
async function cli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (c: string) => (stdout += c) },
    stderr: { write: (c: string) => (stderr += c) },
    env: options.env ?? process.env,
    cwd: options.cwd ?? REPO,
  });
  return { code, stdout, stderr };
}

const fast = { ...process.env, CAPSEAL_STARTUP_TIMEOUT_MS: '1500', CAPSEAL_TOTAL_TIMEOUT_MS: '5000' };

describe('capseal lock', () => {
  describe('-- npx -y @modelcontextprotocol/server-everything, twice', () => {
    let dir: string;
    let first: { code: number | null; stderr: string };
    let second: { code: number | null };
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'capseal-lock-'));
      const cmd = ['--', 'npx', '-y', '@modelcontextprotocol/server-everything'];
      first = await runCli(['lock', '--out', join(dir, 'a.json'), ...cmd]);
      second = await runCli(['lock', '--out', join(dir, 'b.json'), ...cmd]);
    });

    it('writes a valid lockfile with every tool, prompt, resource, template and the npm pin', () => {
      expect(first.code).toBe(0);
      expect(first.stderr).toMatch(/server-everything: 16 tools, 4 prompts, 7 resources, 2 templates; npm /);
      const lock = parseLockfile(readFileSync(join(dir, 'a.json'), 'utf8'));
      const entry = lock.servers['server-everything'];
      expect(entry?.artifact).toMatchObject({ kind: 'npm', name: '@modelcontextprotocol/server-everything' });
      expect(Object.keys(entry?.tools ?? {})).toHaveLength(16);
    });

    it('gives byte-identical files', () => {
      expect(second.code).toBe(0);
      expect(readFileSync(join(dir, 'b.json'), 'utf8')).toBe(readFileSync(join(dir, 'a.json'), 'utf8'));
    });
  });

  it.each([
    [['arg1=**/*.mjs', 'arg1=x'], 'arg1=x: does not match the locked arg1'],
    [['arg3=*'], 'arg3=*: the command has 1 argument(s)'],
    [['arg0=*'], 'arg0=*: expected argN=GLOB or cwd=GLOB'],
    [['cwd='], 'cwd=: expected argN=GLOB or cwd=GLOB'],
  ])('--launch-pattern %j is a usage error before any server starts (exit 2)', async (flags, message) => {
    const out = join(mkdtempSync(join(tmpdir(), 'capseal-lock-')), 'lock.json');
    const r = await cli([
      'lock',
      '--out',
      out,
      ...flags.flatMap((f) => ['--launch-pattern', f]),
      '--',
      process.execPath,
      join(REPO, 'fixtures/servers/drifting.mjs'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/snapshotting/);
  });

  it('--launch-pattern needs one stdio server', async () => {
    const r = await cli([
      'lock',
      '--config',
      'fixtures/config/two-servers.json',
      '--launch-pattern',
      'cwd=*',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/applies to one server: pick it with --server/);
  });

  it('writes mcp-lock.json in the working directory by default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capseal-lock-'));
    const result = await cli(['lock', '--', process.execPath, join(REPO, 'fixtures/servers/drifting.mjs')], {
      cwd: dir,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('capseal: wrote mcp-lock.json (1 server(s))');
    expect(Object.keys(parseLockfile(readFileSync(join(dir, 'mcp-lock.json'), 'utf8')).servers)).toEqual([
      'drifting',
    ]);
  });

  it('--config with two servers writes one lockfile holding both', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'capseal-lock-')), 'lock.json');
    const result = await cli(['lock', '--config', 'fixtures/config/two-servers.json', '--out', out]);
    expect(result.code).toBe(0);
    const lock = parseLockfile(readFileSync(out, 'utf8'));
    expect(Object.keys(lock.servers)).toEqual(['drifting', 'paginated']);
    expect(Object.keys(lock.servers.paginated?.tools ?? {})).toHaveLength(7);
  });

  it.each(['--server', '--name (deprecated)'])(
    '--config with %s re-locks that server and keeps the other entries',
    async (flag) => {
      const out = join(mkdtempSync(join(tmpdir(), 'capseal-lock-')), 'lock.json');
      const config = ['--config', 'fixtures/config/two-servers.json', '--out', out];
      expect((await cli(['lock', ...config])).code).toBe(0);
      const before = parseLockfile(readFileSync(out, 'utf8'));
      const result = await cli(['lock', ...config, flag.split(' ')[0] as string, 'drifting']);
      expect(result.code, result.stderr).toBe(0);
      const after = parseLockfile(readFileSync(out, 'utf8'));
      expect(Object.keys(after.servers)).toEqual(['drifting', 'paginated']);
      expect(after.servers.paginated).toEqual(before.servers.paginated);
      const check = await cli(['check', '--config', 'fixtures/config/two-servers.json', '--lock', out]);
      expect(check.code, check.stdout + check.stderr).toBe(0);
    },
  );

  it('a server in the config but missing from the lockfile is critical drift', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'capseal-lock-')), 'lock.json');
    const config = ['--config', 'fixtures/config/two-servers.json'];
    expect((await cli(['lock', ...config, '--server', 'drifting', '--out', out])).code).toBe(0);
    expect(Object.keys(parseLockfile(readFileSync(out, 'utf8')).servers)).toEqual(['drifting']);
    const check = await cli(['check', ...config, '--lock', out, '--format', 'json']);
    expect(check.code).toBe(1);
    const report = JSON.parse(check.stdout) as {
      drifts: { kind: string; server: string; severity: string }[];
    };
    expect(report.drifts).toContainEqual(
      expect.objectContaining({ kind: 'server.added', server: 'paginated', severity: 'critical' }),
    );
  });

  it('never hands the server GITHUB_TOKEN, even when capseal has it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'capseal-lock-')), 'lock.json');
    const result = await runCli(['lock', '--out', out, '--', 'node', 'fixtures/servers/env-echo.mjs'], {
      env: { ...process.env, GITHUB_TOKEN: 'ghp_should_not_leak' },
    });
    expect(result.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('GITHUB_TOKEN=absent');
    expect(text).not.toContain('ghp_should_not_leak');
  });

  describe('failing servers exit 3 with the server, the cause and its stderr', () => {
    it('hanging (a real capseal process, within the startup timeout)', async () => {
      const result = await runCli(
        ['lock', '--out', join(tmpdir(), 'never.json'), '--', 'node', 'fixtures/servers/hanging.mjs'],
        {
          env: fast,
        },
      );
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(
        'capseal: server "hanging" failed: did not answer initialize within 1500 ms',
      );
      expect(result.stderr).toContain('  - stderr: hanging-fixture: waiting forever');
    });

    it.each([
      ['crashing', 'exited early with code 1'],
      ['garbage', 'wrote something that is not JSON-RPC to stdout: Server listening... ready!'],
    ])('%s', async (name, cause) => {
      const result = await cli(
        ['lock', '--out', join(tmpdir(), 'never.json'), '--', 'node', `fixtures/servers/${name}.mjs`],
        {
          env: fast,
        },
      );
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`capseal: server "${name}" failed: ${cause}`);
      expect(result.stderr).toMatch(/ {2}- stderr: /);
    });
  });

  it('an invalid --config is exit 2 with every problem listed', async () => {
    const result = await cli(['lock', '--config', 'fixtures/config/invalid.json']);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n').filter((l) => l.startsWith('  - mcpServers.'))).toHaveLength(5);
  });

  it.each([
    [[], /no server given/],
    [['--url', 'http://127.0.0.1:1/mcp', '--', 'node', 'x.js'], /only one server source/],
    [['--timeout', 'soon', '--', 'node', 'x.js'], /--timeout must be a positive number/],
    [['--env', 'NOT_SET_ANYWHERE_X', '--', 'node', 'x.js'], /not set in capseal's environment/],
  ])('usage errors are exit 2: %j', async (args, message) => {
    const result = await cli(['lock', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
