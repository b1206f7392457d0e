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
  it('is a workflow that runs the action on pull requests with the config and lockfile given', () => {
    const text = renderDriftGateWorkflow({ config: '.vscode/mcp.json', lockfile: 'mcp lock.json' });
    const workflow = parse(text);
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    const step = workflow.jobs.capseal.steps.at(-1);
    expect(step.with).toMatchObject({
      config: '.vscode/mcp.json',
      lockfile: 'mcp lock.json',
      'fail-on': 'critical',
    });
    expect(renderDriftGateWorkflow({ config: '.vscode/mcp.json', lockfile: 'mcp lock.json' })).toBe(text);
  });
});
