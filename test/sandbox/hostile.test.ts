import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLockfile } from '../../src/lockfile/index.js';
import { probeSandbox } from '../../src/sandbox/io/probe.js';
import { type CliResult, cliArgv, REPO, runCli } from '../helpers/cli.js';
import {
  createStage,
  expectAllBlocked,
  expectNoCanary,
  expectStageUntouched,
  type Stage,
} from './hostile-stage.js';

let stage: Stage;
let lock: CliResult;
let lockText: string;

const capseal = (args: string[], env: NodeJS.ProcessEnv = stage.env) =>
  runCli(args, { cwd: stage.workspace, env });

beforeAll(async () => {
  stage = await createStage();
  const config = stage.writeConfig();
  lock = await capseal(['lock', '--sandbox', 'strict', '--config', config]);
  lockText = readFileSync(join(stage.workspace, 'mcp-lock.json'), 'utf8');
}, 120_000);

afterAll(async () => {
  await stage?.close();
});

describe('a hostile server, in a job shaped like a GitHub Actions run, in the sandbox', () => {
  describe('capseal lock', () => {
    it('locks it (exit 0) with the network denied', () => {
      expect(lock.code, lock.stderr).toBe(0);
      expect(parseLockfile(lockText).servers.hostile?.sandbox.network).toBe('denied');
    });

    it('every attempt fails: environ, cwd/root links, .git/config, runner temp, HOME, TCP, fork bomb, 4 GB', () => {
      expectAllBlocked(parseLockfile(lockText).servers.hostile?.tools.loot?.description);
      expectStageUntouched(stage);
    });

    it('no canary appears in the lockfile, stdout or stderr', () => {
      expectNoCanary(lockText, lock.stdout, lock.stderr);
    });
  });

  describe('capseal check', () => {
    it('relaunches it from the lockfile: no drift, every attempt fails, no canary anywhere', async () => {
      const check = await capseal([
        'check',
        '--sandbox',
        'strict',
        '--lock',
        'mcp-lock.json',
        '--format',
        'json',
      ]);
      expect(check.code, check.stderr).toBe(0);
      expectNoCanary(check.stdout, check.stderr);
      expectStageUntouched(stage);
    });
  });

  describe('capseal proxy', () => {
    it('runs it as locked (network denied) for a real client: every attempt fails, no canary anywhere', async () => {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [
          ...cliArgv(),
          'proxy',
          '--lock',
          join(stage.workspace, 'mcp-lock.json'),
          '--sandbox',
          'strict',
        ],
        env: stage.env as Record<string, string>,
        cwd: stage.workspace,
        stderr: 'pipe',
      });
      let stderr = '';
      transport.stderr?.on('data', (d: Buffer) => {
        stderr += String(d);
      });
      const client = new Client({ name: 'hostile-test', version: '1.0.0' });
      await client.connect(transport);
      const { tools } = await client.listTools();
      await client.close();
      expectAllBlocked(tools.find((t) => t.name === 'loot')?.description);
      expectNoCanary(JSON.stringify(tools), stderr);
      expectStageUntouched(stage);
    });
  });

  describe('resource limits', () => {
    it.each([
      ['memory', /it hit the sandbox's address-space limit \(3072 MiB, RLIMIT_AS\)/],
      ['processes', /it hit the sandbox's process limit \(256 processes and threads\)/],
    ] as const)('a server that dies of the %s limit fails with exit 3 naming it', async (dieOn, message) => {
      const config = { mcpServers: { hostile: { command: 'node', args: stage.serverArgs(dieOn) } } };
      writeFileSync(join(stage.workspace, `${dieOn}.json`), JSON.stringify(config));
      const run = await capseal(['scan', '--sandbox', 'strict', '--config', `${dieOn}.json`]);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(message);
      expectNoCanary(run.stdout, run.stderr);
    });
  });

  describe('the unshare backend (when bwrap is missing)', () => {
    it('gives the same guarantees: every attempt fails, no canary anywhere', async (context) => {
      // AppArmor (ubuntu-24.04) may allow bwrap by profile and still forbid unshare its user namespace.
      const support = await probeSandbox({ force: 'unshare' });
      if (support.backend === undefined) context.skip(support.problems.join('; '));
      const run = await capseal(['scan', '--json', '--sandbox', 'strict', '--config', '.mcp.json'], {
        ...stage.env,
        CAPSEAL_SANDBOX_BACKEND: 'unshare',
      });
      expect(run.code, run.stderr).toBe(0);
      expectAllBlocked(parseLockfile(run.stdout).servers.hostile?.tools.loot?.description);
      expectNoCanary(run.stdout, run.stderr);
      expectStageUntouched(stage);
    });
  });

  describe('--sandbox strict where no sandbox works', () => {
    it('exits 3 before anything is spawned, naming the cause', async () => {
      const run = await capseal(['lock', '--sandbox', 'strict', '--config', '.mcp.json', '--out', 'x.json'], {
        ...stage.env,
        CAPSEAL_SANDBOX_BACKEND: 'none',
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(
        /not started: no usable sandbox \(--sandbox strict\): CAPSEAL_SANDBOX_BACKEND=none/,
      );
      expect(run.stderr).not.toContain('hostile:');
      expectStageUntouched(stage);
    });
  });
});

describe('ordinary servers in the strict sandbox', () => {
  it('locks the fixtures and server-everything / server-filesystem run by npx from the local install', async () => {
    const config = {
      mcpServers: {
        drifting: { command: 'node', args: [join(REPO, 'fixtures/servers/drifting.mjs')] },
        paginated: { command: 'node', args: [join(REPO, 'fixtures/servers/paginated-basic.mjs')] },
        everything: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'] },
        filesystem: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', REPO] },
      },
    };
    writeFileSync(join(stage.workspace, 'ordinary.json'), JSON.stringify(config));
    const run = await runCli([
      'lock',
      '--sandbox',
      'strict',
      '--config',
      join(stage.workspace, 'ordinary.json'),
      '--out',
      join(stage.workspace, 'ordinary-lock.json'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const servers = parseLockfile(readFileSync(join(stage.workspace, 'ordinary-lock.json'), 'utf8')).servers;
    expect(Object.keys(servers)).toEqual(['drifting', 'everything', 'filesystem', 'paginated']);
    expect(Object.keys(servers.everything?.tools ?? {}).length).toBeGreaterThan(5);
    expect(Object.keys(servers.filesystem?.tools ?? {})).toContain('read_text_file');
    for (const entry of Object.values(servers)) expect(entry.sandbox.network).toBe('denied');
  }, 120_000);
});
