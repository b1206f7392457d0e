import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type InputName, parseActionInputs } from '../../src/action/inputs.js';
import { parseLockfile } from '../../src/lockfile/index.js';
import { REPO, runCli } from '../helpers/cli.js';

// A new project with a .mcp.json of two fixture servers, and a HOME of its own (no real Claude Desktop
// config is read).
function project(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'capseal-init-'));
  const home = join(dir, 'home');
  mkdirSync(join(home, '.config', 'Claude'), { recursive: true });
  writeFileSync(
    join(home, '.config', 'Claude', 'claude_desktop_config.json'),
    JSON.stringify({ mcpServers: { desktop: { command: 'node', args: ['x.mjs'] } } }),
  );
  const project = join(dir, 'project');
  mkdirSync(project);
  const server = (file: string) => join(REPO, 'fixtures', 'servers', file);
  writeFileSync(
    join(project, '.mcp.json'),
    JSON.stringify({
      mcpServers: {
        drifting: { command: 'node', args: [server('drifting.mjs')] },
        paginated: { command: 'node', args: [server('paginated-basic.mjs')], env: { PAGE_SIZE: '3' } },
      },
    }),
  );
  return { dir: project, env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') } };
}

/** What the Action reads from the workflow's capseal step, defaults filled in from action.yml as the runner does. */
function actionInputsOf(workflow: string) {
  const steps = parse(workflow).jobs.capseal.steps as { uses?: string; with?: Record<string, unknown> }[];
  const step = steps.find((s) => s.uses?.startsWith('capseal/capseal@'));
  const inputs = parse(readFileSync(join(REPO, 'action.yml'), 'utf8')).inputs as Record<
    string,
    { default?: string }
  >;
  const given = step?.with ?? {};
  expect(Object.keys(given).filter((k) => !(k in inputs))).toEqual([]);
  return parseActionInputs((name: InputName) => String(given[name] ?? inputs[name]?.default ?? ''));
}

describe('capseal init', () => {
  it('--help works', async () => {
    const result = await runCli(['init', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('capseal init [--yes]');
  });

  it('--yes finds the configs, locks both servers and writes a workflow the Action accepts; a second run changes nothing', async () => {
    const { dir, env } = project();
    const first = await runCli(['init', '--yes'], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(
      'capseal: found .mcp.json (Claude Code, project): 2 server(s): drifting, paginated',
    );
    expect(first.stderr).toMatch(
      /found .*claude_desktop_config\.json \(Claude Desktop, user\): 1 server\(s\): desktop/,
    );
    const lock = readFileSync(join(dir, 'mcp-lock.json'), 'utf8');
    expect(Object.keys(parseLockfile(lock).servers)).toEqual(['drifting', 'paginated']);
    const workflow = readFileSync(join(dir, '.github', 'workflows', 'capseal.yml'), 'utf8');
    const inputs = actionInputsOf(workflow);
    expect(inputs).toMatchObject({ mode: 'check', lockfile: 'mcp-lock.json', failOn: 'critical' });
    expect(inputs.source).toEqual({ kind: 'config', path: '.mcp.json' });

    const second = await runCli(['init', '--yes'], { cwd: dir, env });
    expect(second.code, second.stderr).toBe(0);
    expect(readFileSync(join(dir, 'mcp-lock.json'), 'utf8')).toBe(lock);
    expect(readFileSync(join(dir, '.github', 'workflows', 'capseal.yml'), 'utf8')).toBe(workflow);
    expect(second.stderr).toContain('mcp-lock.json exists: kept');
    expect(second.stderr).toContain('.github/workflows/capseal.yml is up to date');
  });

  it('without a project config says where the user config is and how to proceed (exit 2)', async () => {
    const { dir, env } = project();
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const result = await runCli(['init', '--yes'], { cwd: empty, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no project MCP config');
    expect(result.stderr).toMatch(
      /claude_desktop_config\.json: give it with --config, or create \.mcp\.json/,
    );
  });

  it('without --yes and without a terminal asks for --yes instead of guessing', async () => {
    const { dir, env } = project();
    const result = await runCli(['init'], { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pass --yes');
  });
});
