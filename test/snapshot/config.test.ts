// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are host configs, whose ${VAR} is the subject under test
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CapsealError } from '../../src/shared/errors.js';
import { parseHostConfig, parseMcpConfig } from '../../src/snapshot/config.js';
import { sourceOf } from '../../src/snapshot/normalize.js';
import type { ServerSpec } from '../../src/snapshot/types.js';

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

describe('parseHostConfig', () => {
  const base = { origin: '.mcp.json', env: {}, configDir: '/p', lockDir: '/p', exists: () => false };
  const config = (mcpServers: object) => JSON.stringify({ mcpServers });

  describe('expands ${VAR} and ${VAR:-default} like Claude Code', () => {
    it('launches the values and records the text as written', () => {
      const { specs } = parseHostConfig(
        config({
          s: {
            command: 'node',
            args: ['server.mjs', '--token=${TOKEN}', '--mode=${MODE:-fast}'],
            env: { API_KEY: '${KEY}' },
          },
          r: { type: 'http', url: 'https://${HOST}/mcp', headers: { Authorization: 'Bearer ${TOKEN}' } },
        }),
        { ...base, env: { TOKEN: 's3cret', KEY: 'k', HOST: 'mcp.example.com' } },
      );
      const [r, s] = specs;
      expect(s).toMatchObject({
        command: 'node',
        args: ['server.mjs', '--token=s3cret', '--mode=fast'],
        env: { API_KEY: 'k' },
      });
      expect(r).toMatchObject({
        url: 'https://mcp.example.com/mcp',
        headers: { Authorization: 'Bearer s3cret' },
      });
      const recorded = JSON.stringify(specs.map((spec) => sourceOf(spec)));
      expect(recorded).not.toContain('s3cret');
      expect(recorded).not.toContain('mcp.example.com');
      expect(sourceOf(s as ServerSpec)).toMatchObject({
        args: ['server.mjs', '--token=${TOKEN}', '--mode=${MODE:-fast}'],
      });
    });

    it('refuses an unset variable without a default, naming where it is used', () => {
      const error = errorOf(() =>
        parseHostConfig(
          config({ s: { command: 'node', args: ['${MISSING}'], env: { A: '${ALSO}' } } }),
          base,
        ),
      );
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.details).toEqual([
        'mcpServers.s.args[0]: ${MISSING} is not set and has no default',
        'mcpServers.s.env.A: ${ALSO} is not set and has no default',
      ]);
    });
  });

  describe('unwraps capseal proxy to the server it guards', () => {
    it('takes the command after --, says so, and keeps the wrapper env', () => {
      const { specs, notes } = parseHostConfig(
        config({
          everything: {
            command: 'capseal',
            args: [
              'proxy',
              '--lock',
              'mcp-lock.json',
              '--server',
              'ev',
              '--policy',
              'strict',
              '--',
              'npx',
              '-y',
              'pkg',
            ],
            env: { A: '1' },
          },
        }),
        base,
      );
      expect(specs).toEqual([
        {
          name: 'ev',
          transport: 'stdio',
          command: 'npx',
          args: ['-y', 'pkg'],
          env: { A: '1' },
          baseDir: '/p',
        },
      ]);
      expect(notes).toEqual([
        '.mcp.json: server "everything" runs capseal proxy; using the server it guards (npx -y pkg)',
      ]);
    });

    it('takes --url and --header, through npx capseal too', () => {
      const { specs } = parseHostConfig(
        config({
          example: {
            command: 'npx',
            args: [
              '-y',
              'capseal',
              'proxy',
              '--lock=mcp-lock.json',
              '--url',
              'https://x.test/mcp',
              '--header',
              'Authorization: Bearer ${T}',
            ],
          },
        }),
        { ...base, env: { T: 'tok' } },
      );
      expect(specs).toEqual([
        {
          name: 'example',
          transport: 'streamable-http',
          url: 'https://x.test/mcp',
          headers: { Authorization: 'Bearer tok' },
        },
      ]);
    });

    it('refuses a wrapper that launches what its lockfile records (a config cannot say what that is)', () => {
      const error = errorOf(() =>
        parseHostConfig(
          config({ ev: { command: 'capseal', args: ['proxy', '--lock', 'mcp-lock.json'] } }),
          base,
        ),
      );
      expect(error.details?.[0]).toMatch(/^mcpServers\.ev: runs capseal proxy without "-- CMD" or "--url"/);
    });
  });

  describe('relative paths', () => {
    const exists = (p: string) => ['/p/cfg/server.mjs', '/p/cfg/docs'].includes(p);

    it('resolve against the config and are recorded relative to the lockfile', () => {
      const { specs } = parseHostConfig(
        config({ s: { command: 'node', args: ['server.mjs', './docs', 'plain', '-v'], cwd: 'work' } }),
        { ...base, configDir: '/p/cfg', lockDir: '/p', exists },
      );
      expect(specs).toEqual([
        {
          name: 's',
          transport: 'stdio',
          command: 'node',
          args: ['cfg/server.mjs', 'cfg/docs', 'plain', '-v'],
          cwd: 'cfg/work',
          baseDir: '/p',
        },
      ]);
    });

    it('stay as written when the lockfile is next to the config', () => {
      const { specs } = parseHostConfig(config({ s: { command: 'node', args: ['server.mjs'] } }), {
        ...base,
        configDir: '/p/cfg',
        lockDir: '/p/cfg',
        exists,
      });
      expect(specs[0]).toMatchObject({ args: ['server.mjs'], baseDir: '/p/cfg' });
    });
  });
});
