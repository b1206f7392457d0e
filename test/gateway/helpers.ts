import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareGateway } from '../../src/engine/index.js';
import { type RunningGateway, runGateway } from '../../src/gateway/io/index.js';
import { parseLockfile, type ServerEntry, sealEntry, serializeLockfile } from '../../src/lockfile/index.js';
import { silentLogger } from '../../src/shared/index.js';
import { snapshotServer } from '../../src/snapshot/io/snapshot.js';
import { REPO, startV2Http } from '../helpers/v2-fixtures.js';

// Test helpers (not a test file): one lockfile with three real upstreams (a stdio fixture that can crash,
// server-everything over stdio from node_modules, the SDK v2 dual fixture over Streamable HTTP), one
// locked entry tampered so that it drifts, and a gateway config in front of them.
export interface Fixture {
  dir: string;
  configPath: string;
  lockPath: string;
  http: ChildProcess;
}

/** The worktree's node_modules may be a symlink the sandbox does not show; the gateway runs these unsandboxed. */
const OFF = { sandbox: { mode: 'off' as const } };

export const EVERYTHING = join(REPO, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

export async function lockThreeUpstreams(): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'capseal-gateway-'));
  const dual = await startV2Http('dual');
  const [crashy, everything, dualEntry] = await Promise.all([
    snapshotServer(
      {
        name: 'crashy',
        transport: 'stdio',
        command: process.execPath,
        args: [join(REPO, 'fixtures/servers/proxy-crashing.mjs')],
        baseDir: REPO,
      },
      OFF,
    ),
    snapshotServer(
      {
        name: 'everything',
        transport: 'stdio',
        command: process.execPath,
        args: [EVERYTHING, 'stdio'],
        baseDir: REPO,
      },
      OFF,
    ),
    snapshotServer({ name: 'dual', transport: 'streamable-http', url: dual.url }),
  ]);
  // The lock reviewed another list_dir: the live one drifted and must be blocked through the gateway.
  const listDir = dualEntry.tools.list_dir as ServerEntry['tools'][string];
  dualEntry.tools.list_dir = sealEntry('tools', 'list_dir', { ...listDir, description: 'List a folder.' });
  const lockPath = join(dir, 'mcp-lock.json');
  await writeFile(
    lockPath,
    serializeLockfile({ lockfileVersion: 2, servers: { crashy, everything, dual: dualEntry } }),
  );
  parseLockfile(await readFile(lockPath, 'utf8'));
  const configPath = join(dir, 'capseal.gateway.yaml');
  await writeFile(configPath, gatewayYaml());
  return { dir, configPath, lockPath, http: dual.child };
}

export function gatewayYaml(extra = '', restart = '{ initialMs: 100, maxMs: 400 }'): string {
  return [
    'gatewayVersion: 1',
    'listen: { host: 127.0.0.1, port: 0 }',
    'lockfile: mcp-lock.json',
    'auditLog: audit.jsonl',
    'pageSize: 10',
    'sandbox: { mode: "off" }',
    `restart: ${restart}`,
    'upstreams:',
    '  crashy: {}',
    '  everything:',
    '    tools: { deny: ["trigger-*-request*", "trigger-url-*"] }',
    '  dual: {}',
    extra,
  ].join('\n');
}

/**
 * A fresh gateway directory: `mcp-lock.json` with `servers`, and `capseal.gateway.yaml` made of the
 * standard head (version 1, port 0, that lockfile), `lines`, then one `NAME: {}` upstream per server.
 * Returns the config path.
 */
export async function writeGatewayDir(
  prefix: string,
  servers: Record<string, ServerEntry>,
  lines: readonly string[] = [],
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await writeFile(join(dir, 'mcp-lock.json'), serializeLockfile({ lockfileVersion: 2, servers }));
  const config = join(dir, 'capseal.gateway.yaml');
  await writeFile(
    config,
    [
      'gatewayVersion: 1',
      'listen: { port: 0 }',
      'lockfile: mcp-lock.json',
      ...lines,
      'upstreams:',
      ...Object.keys(servers).map((name) => `  ${name}: {}`),
    ].join('\n'),
  );
  return config;
}

export async function startGateway(configPath: string): Promise<RunningGateway> {
  const prepare = () => prepareGateway({ configPath, env: process.env, logger: silentLogger });
  return runGateway({
    prepare,
    prepared: await prepare(),
    env: process.env,
    logger: silentLogger,
    drainMs: 2_000,
  });
}

/** The JSON-RPC error a promise rejects with. */
export async function rejection(
  p: Promise<unknown>,
): Promise<{ code: number; data?: Record<string, unknown> }> {
  try {
    await p;
  } catch (error) {
    return error as { code: number; data?: Record<string, unknown> };
  }
  throw new Error('expected a rejection');
}
