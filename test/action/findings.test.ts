import { describe, expect, it } from 'vitest';
import { describeDrift, planInlineFindings } from '../../src/action/findings.js';
import type { Drift } from '../../src/diff/types.js';

const drift = (over: Partial<Drift> = {}): Drift => ({
  server: 'files',
  kind: 'tool.added',
  severity: 'critical',
  subject: 'tool',
  key: 'exec_shell',
  path: 'servers.files.tools.exec_shell',
  message: 'new tool "exec_shell"',
  ...over,
});

const lines: Record<string, number> = {
  'servers.files.tools.exec_shell': 40,
  'servers.files.tools.read_file.description': 12,
};

describe('planInlineFindings', () => {
  const plan = (drifts: Drift[], visible: number[]) =>
    planInlineFindings({
      drifts,
      repoPath: 'mcp-lock.json',
      visibleLines: new Set(visible),
      locate: (path) => lines[path],
    });

  it('puts a drift on the line of its lockfile path when the diff shows that line', () => {
    expect(plan([drift()], [39, 40, 41])).toEqual([
      {
        key: 'tool.added:servers.files.tools.exec_shell',
        path: 'mcp-lock.json',
        line: 40,
        text: describeDrift(drift()),
      },
    ]);
  });

  it.each([
    ['the line is outside the diff hunks', drift(), [1, 2, 3]],
    [
      'the path is not in the head lockfile (a removed tool)',
      drift({ kind: 'tool.removed', path: 'servers.files.tools.gone' }),
      [40],
    ],
  ])('skips a drift when %s', (_why, d, visible) => {
    expect(plan([d], visible)).toEqual([]);
  });
});

describe('describeDrift', () => {
  it('says what changed and how severe, with itemized details', () => {
    const text = describeDrift(drift({ details: ['property "encoding" added'] }));
    expect(text).toMatch(/^🔴 new tool "exec\\_shell" — \*\*critical\*\* \(`tool.added`, server `files`\)/);
    expect(text).toContain('- property "encoding" added');
  });

  it('escapes text a server controls (no HTML, no mentions)', () => {
    const text = describeDrift(drift({ message: 'new tool "<img src=x>" for @octocat' }));
    expect(text).not.toContain('<img');
    expect(text).not.toContain('@octocat');
  });
});
