import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../helpers/github-api.js';
import { LOG_PAYLOADS } from '../helpers/hostile-text.js';
import { replayWorkflowCommands } from '../helpers/workflow-commands.js';
import {
  type ActionRun,
  buildActionBundle,
  createRunner,
  REPO,
  type Runner,
  runBundledAction,
  TOKEN,
  writeEvent,
} from './action-process.js';

// A hostile server and hostile PR content against the bundled action: every line of output is replayed
// through the runner's command rules, and no command may carry their text (each payload is marked PWN).

const BASE = '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b';
const HEAD = '4f1c0e2b9d8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b';
const P = LOG_PAYLOADS;

/** A stdio MCP server whose version, tool names, resource URIs and stderr are payloads; EXTRA adds more. */
const SERVER = `
import { serveStdio } from ${JSON.stringify(join(REPO, 'fixtures', 'servers', 'lib-server.mjs'))};
const P = ${JSON.stringify(P)};
const extra = process.env.EXTRA === '1';
if (process.env.CRASH === '1') { process.stderr.write(P.join('\\n') + '\\n'); process.exit(3); }
const obj = { type: 'object', properties: {} };
const tools = [{ name: 'read_file', description: 'Read. ' + P[6], inputSchema: obj }];
if (extra) P.forEach((p, i) => tools.push({ name: 'tool' + i + p, description: p, inputSchema: obj }));
await serveStdio({
  info: { name: 'hostile', version: extra ? P[0] : '1.0.0' },
  instructions: extra ? P.join(' ') : 'ok',
  tools,
  resources: extra ? P.map((p, i) => ({ uri: 'file:///r' + i + p, name: 'r' + i })) : [{ uri: 'file:///ok', name: 'ok' }],
});
`;

const PACK = [
  'name: hostile',
  'description: every tool is reported, with its name in the message',
  'rules:',
  '  - id: name-in-message',
  '    description: names every tool',
  '    severity: error',
  '    scope: tool',
  '    deny: tool.name != ""',
  `    message: ${JSON.stringify(`tool {{tool.name}} ${P[3]}`)}`,
  '',
].join('\n');

const SERVER_PATH = join(REPO, 'tmp', `hostile-log-${process.pid}.mjs`);
let actionJs: string;
let cleanup: () => void;
const github = new FakeGitHub();
let r: Runner;
const runs: Record<string, ActionRun> = {};

function config(env: Record<string, string>, name = `files${P[0]}`): string {
  const servers = { [name]: { command: 'node', args: [SERVER_PATH], env } };
  writeFileSync(join(r.workspace, '.mcp.json'), JSON.stringify({ mcpServers: servers }));
  return '.mcp.json';
}

beforeAll(async () => {
  ({ actionJs, cleanup } = await buildActionBundle());
  await github.start();
  r = createRunner();
  // Inside the project, like the repo's own server scripts: the sandbox shows a server the project it
  // belongs to (with its node_modules), not the runner's temp folders.
  mkdirSync(dirname(SERVER_PATH), { recursive: true });
  writeFileSync(SERVER_PATH, SERVER);
  writeFileSync(join(r.workspace, 'hostile.yaml'), PACK);
  runs.lock = await runBundledAction(actionJs, r, {
    event: 'push',
    inputs: { mode: 'lock', config: config({}) },
  });
  const base = readFileSync(join(r.workspace, 'mcp-lock.json'), 'utf8');
  github.contents.set(`${BASE}:mcp-lock.json`, base);
  github.contents.set(`${HEAD}:mcp-lock.json`, base);
  writeEvent(r, 'pull_request.opened.json');
  runs.check = await runBundledAction(actionJs, r, {
    apiUrl: github.url,
    inputs: { config: config({ EXTRA: '1' }), policy: 'hostile.yaml', 'fail-on': 'info' },
  });
  runs.relock = await runBundledAction(actionJs, r, {
    event: 'push',
    inputs: { mode: 'lock', config: config({ EXTRA: '1' }) },
  });
  runs.policy = await runBundledAction(actionJs, r, {
    event: 'push',
    inputs: { mode: 'policy', policy: 'hostile.yaml' },
  });
  runs.crash = await runBundledAction(actionJs, r, {
    apiUrl: github.url,
    inputs: { config: config({ CRASH: '1' }) },
  });
}, 480_000);

afterAll(async () => {
  rmSync(SERVER_PATH, { force: true });
  await github.stop();
  cleanup?.();
  rmSync(r.root, { recursive: true, force: true });
});

const OWN = new Set(['add-mask', 'group', 'endgroup', 'error', 'warning', 'stop-commands']);

describe('hostile server and PR text in the action’s log', () => {
  it.each(['lock', 'check', 'relock', 'policy', 'crash'])('%s: no command carries it', (name) => {
    const run = runs[name] as ActionRun;
    expect(run.stdout + run.stderr).toContain('PWN');
    for (const stream of [run.stdout, run.stderr]) {
      const replay = replayWorkflowCommands(stream);
      expect(replay.styled).toEqual([]);
      for (const command of replay.commands) {
        const own = OWN.has(command.name) || /^[0-9a-f]{32}$/.test(command.name);
        expect(own, `${command.name} at line ${command.line}`).toBe(true);
        expect(`${command.data} ${JSON.stringify(command.properties)}`).not.toContain('PWN');
        if (command.name === 'add-mask') expect(command.data).toBe(TOKEN);
      }
    }
  });

  it('still reports what the hostile server did, inert', () => {
    const check = runs.check as ActionRun;
    expect(check.code).toBe(1);
    expect(check.outputs.outcome).toBe('fail');
    expect(replayWorkflowCommands(check.stdout).inert.join('\n')).toMatch(/tool0.*PWN/);
    expect((runs.crash as ActionRun).outputs.outcome).toBe('error');
  });
});
