import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { type ServerEntry, serializeLockfile } from '../../src/lockfile/index.js';
import type { AuditRecord } from '../../src/proxy/index.js';
import { snapshotServer } from '../../src/snapshot/io/snapshot.js';
import { cliArgv, REPO } from '../helpers/cli.js';

export const FIXTURES = join(REPO, 'fixtures', 'servers');
export const fixture = (name: string) => join(FIXTURES, name);

/** Lock a server the way `capseal lock` does (snapshotServer), write mcp-lock.json into a temp dir. */
export async function lockServer(
  name: string,
  command: string[],
): Promise<{ dir: string; lockPath: string; entry: ServerEntry }> {
  const [cmd, ...args] = command as [string, ...string[]];
  const entry = await snapshotServer({ name, transport: 'stdio', command: cmd, args, baseDir: REPO });
  const dir = await mkdtemp(join(tmpdir(), 'capseal-proxy-test-'));
  const lockPath = join(dir, 'mcp-lock.json');
  await writeFile(lockPath, serializeLockfile({ lockfileVersion: 1, servers: { [name]: entry } }));
  return { dir, lockPath, entry };
}

export interface ProxiedClient {
  client: Client;
  transport: StdioClientTransport;
  stderr: () => string;
}

/** A real SDK Client talking to `capseal proxy <proxyArgs> -- <server>` over stdio. */
export async function connectThroughProxy(
  proxyArgs: string[],
  server: string[] | undefined,
  capabilities: ConstructorParameters<typeof Client>[1] = {},
): Promise<ProxiedClient> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...cliArgv(), 'proxy', ...proxyArgs, ...(server === undefined ? [] : ['--', ...server])],
    cwd: REPO,
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const client = new Client({ name: 'proxy-test', version: '1.0.0' }, capabilities);
  await client.connect(transport);
  return { client, transport, stderr: () => err };
}

export function parseAudit(text: string): AuditRecord[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditRecord);
}

/** The proxy as a raw process: write JSON-RPC lines, await lines, observe the exit code. */
export class RawProxy {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: unknown[] = [];
  /** The same lines as received, unparsed (for exact id digits). */
  readonly rawLines: string[] = [];
  stderr = '';
  readonly exit: Promise<number | null>;
  private waiters: (() => void)[] = [];

  /** `server` empty: no `--`, the proxy reaches the server as the lockfile or its flags say. */
  constructor(proxyArgs: string[], server: string[]) {
    const command = server.length === 0 ? [] : ['--', ...server];
    this.child = spawn(process.execPath, [...cliArgv(), 'proxy', ...proxyArgs, ...command], {
      cwd: REPO,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.rawLines.push(line);
      this.lines.push(JSON.parse(line));
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.exit = new Promise((r) => this.child.once('exit', (code) => r(code)));
  }

  send(message: unknown): void {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /** Write one line exactly as given. */
  sendRaw(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Wait until some received line satisfies `predicate`; returns it. */
  async waitFor(predicate: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    for (;;) {
      const found = this.lines.find((m) => predicate(m as Record<string, unknown>));
      if (found) return found as Record<string, unknown>;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Initialize like a client does and wait for the answer. */
  async initialize(capabilities: Record<string, unknown> = {}): Promise<void> {
    this.send({
      jsonrpc: '2.0',
      id: 'init',
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities, clientInfo: { name: 'raw', version: '1' } },
    });
    await this.waitFor((m) => m.id === 'init');
    this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** The McpError a request through the proxy was rejected with (fails the test if it resolved). */
export async function rejection(promise: Promise<unknown>): Promise<McpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpError);
  return error as McpError;
}

export interface ListeningProxy {
  /** The address the proxy printed, e.g. http://127.0.0.1:43211/mcp. */
  url: string;
  /** The bearer token it printed (undefined with --listen-token-file). */
  token: string | undefined;
  /** `requestInit` for an SDK HTTP client transport carrying the token. */
  auth: { headers: Record<string, string> };
  exit: Promise<number | null>;
  stderr: () => string;
  kill: () => void;
}

/** Start `capseal proxy <args>` (args include `--listen …`) and wait for the address it prints. */
export function listenThroughProxy(args: string[]): Promise<ListeningProxy> {
  const child = spawn(process.execPath, [...cliArgv(), 'proxy', ...args], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const kill = () => child.kill('SIGKILL');
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (\S+)/.exec(err);
      const token = /listen token: (\S+)/.exec(err)?.[1];
      const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
      const auth = { headers };
      if (m?.[1]) resolve({ url: m[1], token, auth, exit, stderr: () => err, kill });
    });
    void exit.then((code) => reject(new Error(`proxy exited ${code}: ${err}`)));
  });
}
