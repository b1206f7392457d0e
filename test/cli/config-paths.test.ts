import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliArgv, REPO, runCli } from '../helpers/cli.js';

// `lock --config`, `check --config` and `proxy --config --server` resolve a config's relative paths (its
// script argument, its cwd) against the config file's directory, whatever the shell's working directory.
let project: string;
let elsewhere: string;
let config: string;
let lockPath: string;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'capseal-config-project-'));
  elsewhere = await mkdtemp(join(tmpdir(), 'capseal-config-elsewhere-'));
  await mkdir(join(project, 'data'));
  // Both paths are relative: they only mean something from the project directory.
  const script = relative(project, join(REPO, 'fixtures', 'servers', 'proxy-echo.mjs'));
  config = join(project, '.mcp.json');
  await writeFile(
    config,
    JSON.stringify({ mcpServers: { echo: { command: process.execPath, args: [script], cwd: 'data' } } }),
  );
  lockPath = join(project, 'mcp-lock.json');
  const locked = await runCli(['lock', '--config', config, '--out', lockPath], { cwd: elsewhere });
  expect(locked.code, locked.stderr).toBe(0);
}, 60_000);

describe('a --config with relative paths, run from another directory', () => {
  it('check starts the server as lock did', async () => {
    const r = await runCli(['check', '--lock', lockPath, '--config', config], { cwd: elsewhere });
    expect(r.code, r.stderr).toBe(0);
  });

  it('proxy --server starts the same server, and its artifact pin verifies', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [...cliArgv(), 'proxy', '--lock', lockPath, '--config', config, '--server', 'echo'],
      cwd: elsewhere,
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const client = new Client({ name: 'config-paths-test', version: '1.0.0' });
    try {
      await client.connect(transport);
      const r = await client.callTool({ name: 'echo', arguments: { text: 'from elsewhere' } });
      expect(r.content).toEqual([{ type: 'text', text: 'from elsewhere' }]);
      expect(stderr).toMatch(/artifact verified/);
    } finally {
      await client.close();
    }
  });
});
