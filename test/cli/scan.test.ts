import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseLockfile } from '../../src/lockfile/index.js';
import { REPO, runCli } from '../helpers/cli.js';
import { freePort, startHttpEverything } from '../snapshot/http-server.js';

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (c: string) => (stdout += c) },
    stderr: { write: (c: string) => (stderr += c) },
    env: process.env,
    cwd: REPO,
  });
  return { code, stdout, stderr };
}

describe('capseal scan', () => {
  it('prints a readable summary of a stdio server', async () => {
    const result = await runCli(['scan', '--', 'node', 'fixtures/servers/drifting.mjs']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'drifting: Drifting fixture 1.0.0 (drifting-fixture; protocol 2025-11-25)',
    );
    expect(result.stdout).toMatch(/artifact: file fixtures\/servers\/drifting\.mjs sha256:[0-9a-f]{12}…/);
    expect(result.stdout).toContain('sandbox:  env allow-list · HOME temp · cwd temp · network denied');
    expect(result.stdout).toMatch(
      /read_file +Read a file from the workspace and return its text\. {2}\[read-only\]/,
    );
    expect(result.stdout).toMatch(/summarize +\(path, style\?\) Summarize the contents of a file\./);
  });

  it('--json prints the snapshot as a valid lockfile', async () => {
    const result = await cli([
      'scan',
      '--json',
      '--server',
      'd',
      '--',
      'node',
      'fixtures/servers/drifting.mjs',
    ]);
    expect(result.code).toBe(0);
    const lock = parseLockfile(result.stdout);
    expect(Object.keys(lock.servers.d?.tools ?? {})).toEqual(['read_file', 'write_file']);
  });

  it('sees the drift a DRIFT switch introduces', async () => {
    const result = await cli([
      'scan',
      '--json',
      '--env',
      'DRIFT=homoglyph',
      '--',
      'node',
      'fixtures/servers/drifting.mjs',
    ]);
    expect(Object.keys(parseLockfile(result.stdout).servers.drifting?.tools ?? {})).toEqual([
      'read_file',
      'read_f\u0456le',
      'write_file',
    ]);
  });

  it('--network allow reports that the network was allowed; --network deny that it was denied', async () => {
    const allow = [
      'scan',
      '--sandbox',
      'strict',
      '--network',
      'allow',
      '--',
      'node',
      'fixtures/servers/drifting.mjs',
    ];
    expect((await cli(allow)).stdout).toContain('network allowed');
    const deny = [
      'scan',
      '--sandbox',
      'strict',
      '--network',
      'deny',
      '--',
      'node',
      'fixtures/servers/drifting.mjs',
    ];
    expect((await cli(deny)).stdout).toContain('network denied');
  });

  describe('--url (server-everything streamableHttp and sse on 127.0.0.1)', () => {
    let http: ChildProcess;
    let sse: ChildProcess;
    let httpPort: number;
    let ssePort: number;
    beforeAll(async () => {
      httpPort = await freePort();
      ssePort = await freePort();
      [http, sse] = await Promise.all([
        startHttpEverything(httpPort, 'streamableHttp'),
        startHttpEverything(ssePort, 'sse'),
      ]);
    });
    afterAll(() => {
      http?.kill('SIGKILL');
      sse?.kill('SIGKILL');
    });

    it('Streamable HTTP', async () => {
      const result = await cli(['scan', '--url', `http://127.0.0.1:${httpPort}/mcp`]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('127.0.0.1: Everything Reference Server');
      expect(result.stdout).toContain('tools (16):');
      expect(result.stdout).toContain(
        `artifact: remote http://127.0.0.1:${httpPort}/mcp (only the URL is pinned)`,
      );
    });

    it('legacy SSE', async () => {
      const result = await cli([
        'scan',
        '--transport',
        'sse',
        '--server',
        'legacy',
        '--url',
        `http://127.0.0.1:${ssePort}/sse`,
      ]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('legacy: Everything Reference Server');
      expect(result.stdout).toContain('tools (16):');
    });
  });
});
