import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO } from '../helpers/cli.js';

// Test helpers (not a test file): a machine shaped like a GitHub Actions job, full of canaries, and the
// hostile fixture server configured to go after them.

export const HOSTILE = join(REPO, 'fixtures', 'servers', 'hostile.mjs');

/** Secrets in capseal's own environment, as the runner puts them there. */
export const ENV_CANARIES = {
  GITHUB_TOKEN: 'CANARY-github-token',
  ACTIONS_RUNTIME_TOKEN: 'CANARY-actions-runtime-token',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'CANARY-oidc-request-token',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/CANARY-oidc-request-url',
};
/** Secrets in files: the credentials actions/checkout persists, a runner file-command file, a dotfile. */
export const FILE_CANARIES = {
  git: 'CANARY-git-credential',
  fileCommand: 'CANARY-file-command',
  home: 'CANARY-home-dotfile',
};
const ALL = [...Object.values(ENV_CANARIES), ...Object.values(FILE_CANARIES)];

/** Every attempt the hostile fixture makes when given all its arguments. */
export const ATTEMPTS = [
  'all-environ',
  'fork-bomb',
  'git-config',
  'home-dotfile',
  'memory-4g',
  'parent-cwd',
  'parent-environ',
  'parent-root',
  'runner-temp-append',
  'runner-temp-read',
  'tcp',
];

export interface Stage {
  root: string;
  workspace: string;
  runnerTemp: string;
  home: string;
  envFile: string;
  /** capseal's environment: the test's own PATH/TMPDIR, the canaries, HOME, RUNNER_TEMP, file commands. */
  env: NodeJS.ProcessEnv;
  /** Lines received by the loopback listener the server tries to reach. */
  received: string[];
  port: number;
  /** The hostile server's argv (after `node`). */
  serverArgs(dieOn?: 'memory' | 'processes'): string[];
  /** Write .mcp.json naming the hostile server; returns its name relative to the workspace. */
  writeConfig(dieOn?: 'memory' | 'processes'): string;
  close(): Promise<void>;
}

export async function createStage(): Promise<Stage> {
  const root = mkdtempSync(join(tmpdir(), 'capseal-hostile-'));
  const workspace = join(root, 'work', 'repo');
  const runnerTemp = join(root, 'temp');
  const commands = join(runnerTemp, '_runner_file_commands');
  const home = join(root, 'home');
  for (const dir of [join(workspace, '.git'), commands, home]) mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(workspace, '.git', 'config'),
    `[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic ${FILE_CANARIES.git}\n`,
  );
  const envFile = join(commands, 'set_env_0c4f');
  writeFileSync(envFile, `SECRET=${FILE_CANARIES.fileCommand}\n`);
  writeFileSync(join(commands, 'add_path_0c4f'), '');
  writeFileSync(join(home, '.capseal-canary'), `${FILE_CANARIES.home}\n`);

  const received: string[] = [];
  const server: Server = createServer((socket) => {
    received.push('connection');
    socket.on('data', (d) => received.push(String(d)));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;

  const serverArgs = (dieOn?: string) => [
    HOSTILE,
    '--port',
    String(port),
    ...(dieOn === undefined ? [] : ['--die-on', dieOn]),
    workspace,
    runnerTemp,
    home,
  ];
  return {
    root,
    workspace,
    runnerTemp,
    home,
    envFile,
    received,
    port,
    env: {
      PATH: process.env.PATH,
      TMPDIR: process.env.TMPDIR,
      HOME: home,
      RUNNER_TEMP: runnerTemp,
      GITHUB_ENV: envFile,
      GITHUB_PATH: join(commands, 'add_path_0c4f'),
      GITHUB_WORKSPACE: workspace,
      ...ENV_CANARIES,
    },
    serverArgs,
    writeConfig(dieOn) {
      const config = { mcpServers: { hostile: { command: 'node', args: serverArgs(dieOn) } } };
      writeFileSync(join(workspace, '.mcp.json'), `${JSON.stringify(config, null, 2)}\n`);
      return '.mcp.json';
    },
    async close() {
      await new Promise<void>((done) => server.close(() => done()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** No canary anywhere in these texts. */
export function expectNoCanary(...texts: string[]): void {
  for (const text of texts) {
    for (const canary of ALL) expect(text).not.toContain(canary);
  }
}

/** The hostile server's own report (its `loot` tool description): every attempt failed, nothing stolen. */
export function expectAllBlocked(description: string | undefined): void {
  const report = JSON.parse(description ?? '{}') as { results: Record<string, string>; loot: string[] };
  expect(Object.keys(report.results).sort()).toEqual(ATTEMPTS);
  for (const [attempt, result] of Object.entries(report.results)) {
    expect(result, attempt).toMatch(/^blocked: /);
  }
  expect(report.loot).toEqual([]);
}

/** The stage's files are as they were: nothing appended to the file-command file, the listener untouched. */
export function expectStageUntouched(stage: Stage): void {
  expect(readFileSync(stage.envFile, 'utf8')).toBe(`SECRET=${FILE_CANARIES.fileCommand}\n`);
  expect(stage.received).toEqual([]);
}
