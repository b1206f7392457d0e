import { describe, expect, it } from 'vitest';
import { splitCommandLine } from '../../src/action/command-line.js';

describe('splitCommandLine', () => {
  describe('splits like a shell, without one', () => {
    it.each([
      ['node server.js', ['node', 'server.js']],
      [
        '  npx  -y   @modelcontextprotocol/server-everything ',
        ['npx', '-y', '@modelcontextprotocol/server-everything'],
      ],
      [`node 'dir with spaces/s.js' --flag`, ['node', 'dir with spaces/s.js', '--flag']],
      [`node "a \\"quoted\\" word" x`, ['node', 'a "quoted" word', 'x']],
      [`node a\\ b`, ['node', 'a b']],
      [`node --opt='x y'z`, ['node', '--opt=x yz']],
      [`node '$HOME'`, ['node', '$HOME']],
      [`node ''`, ['node', '']],
      [`node "a|b" 'c;d'`, ['node', 'a|b', 'c;d']],
      ['["node", "s.js", "a b"]', ['node', 's.js', 'a b']],
    ])('%s', (input, argv) => {
      expect(splitCommandLine(input)).toEqual({ argv });
    });
  });

  describe('refuses what only a shell would interpret', () => {
    it.each([
      ['node s.js | tee log', /"\|"/],
      ['node s.js && rm -rf /', /"&"/],
      ['node $HOME/s.js', /"\$"/],
      ['node "$HOME"', /"\$"/],
      ['node `id`', /"`"/],
      ['node s.js > out', /">"/],
      [`node 'open`, /unterminated single quote/],
      [`node "open`, /unterminated double quote/],
      ['node s.js \\', /lone backslash/],
      ['node s.js\nnode t.js', /one line/],
      ['   ', /empty/],
      ['["node", 1]', /JSON array of strings/],
      ['[', /not a valid JSON array/],
      ['[]', /empty command/],
    ])('%j', (input, reason) => {
      const result = splitCommandLine(input);
      expect('error' in result && result.error).toMatch(reason);
    });
  });
});
