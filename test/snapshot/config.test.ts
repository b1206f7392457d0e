import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CapsealError } from '../../src/shared/errors.js';
import { parseMcpConfig } from '../../src/snapshot/config.js';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../fixtures/config', name), 'utf8');

function errorOf(fn: () => unknown): CapsealError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CapsealError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('parseMcpConfig', () => {
  it('reads stdio servers with env, sorted by name, ignoring keys other clients add', () => {
    const specs = parseMcpConfig(fixture('two-servers.json'));
    expect(specs.map((s) => s.name)).toEqual(['drifting', 'paginated']);
    expect(specs[0]).toEqual({
      name: 'drifting',
      transport: 'stdio',
      command: 'node',
      args: ['../servers/drifting.mjs'],
      env: { DRIFT: 'none' },
    });
  });

  it('reads http, streamable-http and sse entries', () => {
    const specs = parseMcpConfig(fixture('remote-and-local.json'));
    expect(specs).toEqual([
      {
        name: 'everything',
        transport: 'stdio',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-everything'],
      },
      { name: 'legacy', transport: 'sse', url: 'http://127.0.0.1:3001/sse' },
      {
        name: 'remote',
        transport: 'streamable-http',
        url: 'http://127.0.0.1:3001/mcp',
        headers: { Authorization: 'Bearer x' },
      },
    ]);
  });

  it('accepts VS Code\'s "servers" key', () => {
    const specs = parseMcpConfig('{"servers":{"a":{"type":"stdio","command":"node","args":["a.js"]}}}');
    expect(specs).toEqual([{ name: 'a', transport: 'stdio', command: 'node', args: ['a.js'] }]);
  });

  it('lists every problem by path as INVALID_INPUT', () => {
    const error = errorOf(() => parseMcpConfig(fixture('invalid.json'), 'invalid.json'));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('invalid.json');
    expect(error.details).toHaveLength(5);
    expect(error.details.join('\n')).toMatch(/mcpServers\.no-command: needs "command"/);
    expect(error.details.join('\n')).toMatch(/mcpServers\.both: has both/);
    expect(error.details.join('\n')).toMatch(/mcpServers\.bad-args\.args: /);
    expect(error.details.join('\n')).toMatch(/mcpServers\.bad-env\.env\.PORT: /);
    expect(error.details.join('\n')).toMatch(/mcpServers\.bad-type\.type: /);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['no mcpServers', '{"other":1}', /not a valid mcpServers config/],
    ['no servers', '{"mcpServers":{}}', /lists no servers/],
    ['url that is not http', '{"mcpServers":{"a":{"url":"file:///x"}}}', /not a valid/],
  ])('rejects %s', (_case, text, message) => {
    const error = errorOf(() => parseMcpConfig(text));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(message);
  });
});
