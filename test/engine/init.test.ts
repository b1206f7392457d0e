import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderDriftGateWorkflow, userConfigPaths } from '../../src/engine/init.js';

describe('userConfigPaths', () => {
  it.each([
    ['darwin', {}, join('/h', 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json')],
    [
      'win32',
      { APPDATA: 'C:\\U\\AppData\\Roaming' },
      join('C:\\U\\AppData\\Roaming', 'Claude', 'claude_desktop_config.json'),
    ],
    ['linux', {}, join('/h', '.config', 'Claude', 'claude_desktop_config.json')],
    ['linux', { XDG_CONFIG_HOME: '/x' }, join('/x', 'Claude', 'claude_desktop_config.json')],
  ] as const)('finds Claude Desktop on %s', (platform, env, path) => {
    expect(userConfigPaths(platform, '/h', env)).toEqual([{ host: 'Claude Desktop', path }]);
  });
});

describe('renderDriftGateWorkflow', () => {
  const gate = { config: '.vscode/mcp.json', lockfile: 'mcp lock.json', action: 'capseal/capseal@v0.1.0' };

  it('is a workflow that runs the action on pull requests with the config and lockfile given', () => {
    const text = renderDriftGateWorkflow(gate);
    const workflow = parse(text);
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    const step = workflow.jobs.capseal.steps.at(-1);
    expect(step.uses).toBe('capseal/capseal@v0.1.0');
    expect(step.with).toMatchObject({
      config: '.vscode/mcp.json',
      lockfile: 'mcp lock.json',
      'fail-on': 'critical',
      sandbox: 'strict',
      network: 'deny',
    });
    expect(renderDriftGateWorkflow(gate)).toBe(text);
  });

  it('pins every other action by full commit SHA and keeps no credentials in the checkout', () => {
    const steps = parse(renderDriftGateWorkflow(gate)).jobs.capseal.steps as {
      uses: string;
      with?: Record<string, unknown>;
    }[];
    for (const step of steps.slice(0, -1)) expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/);
    expect(steps[0]).toMatchObject({ with: { 'persist-credentials': false } });
  });

  it('asks for a SHA pin of capseal only while it is not one, and passes sandbox and network on', () => {
    const sha = `capseal/capseal@${'a'.repeat(40)}`;
    expect(renderDriftGateWorkflow(gate)).toContain('Pin the capseal release you reviewed');
    const text = renderDriftGateWorkflow({ ...gate, action: sha, sandbox: 'auto', network: 'allow' });
    expect(text).not.toContain('Pin the capseal release');
    expect(parse(text).jobs.capseal.steps.at(-1)).toMatchObject({
      uses: sha,
      with: { sandbox: 'auto', network: 'allow' },
    });
  });
});
