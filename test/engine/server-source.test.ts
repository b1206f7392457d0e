import { describe, expect, it } from 'vitest';
import { deriveServerName, resolveServerSpecs, type SourceContext } from '../../src/engine/server-source.js';
import { REPO } from '../helpers/cli.js';

const io: SourceContext = {
  env: { SECRET: 's3', CAPSEAL_STARTUP_TIMEOUT_MS: '700' },
  cwd: REPO,
};

describe('resolveServerSpecs', () => {
  it('-- CMD: a stdio spec named after the package, relative paths resolving against the cwd', async () => {
    const specs = await resolveServerSpecs(
      { command: ['npx', '-y', '@modelcontextprotocol/server-everything'], env: ['SECRET', 'B=2'] },
      io,
    );
    expect(specs).toEqual([
      {
        name: 'server-everything',
        transport: 'stdio',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-everything'],
        env: { SECRET: 's3', B: '2' },
        baseDir: REPO,
      },
    ]);
  });

  it('--url: Streamable HTTP by default, SSE on request', async () => {
    expect(
      await resolveServerSpecs(
        { url: 'http://127.0.0.1:3001/mcp', headers: ['Authorization: Bearer t'] },
        io,
      ),
    ).toEqual([
      {
        name: '127.0.0.1',
        transport: 'streamable-http',
        url: 'http://127.0.0.1:3001/mcp',
        headers: { Authorization: 'Bearer t' },
      },
    ]);
    expect(
      await resolveServerSpecs({ url: 'http://127.0.0.1:3001/sse', transport: 'sse', name: 'x' }, io),
    ).toEqual([{ name: 'x', transport: 'sse', url: 'http://127.0.0.1:3001/sse' }]);
  });

  it('--config: every server, paths relative to the lockfile directory (the cwd); --name picks one', async () => {
    const specs = await resolveServerSpecs({ config: 'fixtures/config/two-servers.json' }, io);
    expect(specs.map((s) => s.name)).toEqual(['drifting', 'paginated']);
    expect(specs[0]).toMatchObject({ baseDir: REPO, args: ['fixtures/servers/drifting.mjs'] });
    const one = await resolveServerSpecs(
      { config: 'fixtures/config/two-servers.json', name: 'paginated' },
      io,
    );
    expect(one.map((s) => s.name)).toEqual(['paginated']);
    await expect(
      resolveServerSpecs({ config: 'fixtures/config/two-servers.json', name: 'x' }, io),
    ).rejects.toThrow(/has no server named "x"/);
  });

  it('a missing config file is INVALID_INPUT', async () => {
    await expect(resolveServerSpecs({ config: 'nope.json' }, io)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it.each([
    [{}, /no server given/],
    [{ command: [] }, /nothing after --/],
    [{ url: 'ftp://x' }, /must be http/],
    [{ url: 'http://x', env: ['A=1'] }, /--env applies to a -- CMD server only/],
    [{ command: ['node'], headers: ['A: b'] }, /--header applies to --url only/],
    [{ url: 'http://x', headers: ['nonsense'] }, /invalid --header/],
  ])('refuses %j', async (input, message) => {
    await expect(resolveServerSpecs(input, io)).rejects.toThrow(message);
  });
});

describe('deriveServerName', () => {
  it.each([
    [['npx', '-y', '@scope/server-x@1.0.0'], 'server-x'],
    [['node', 'fixtures/servers/drifting.mjs'], 'drifting'],
    [['docker', 'run', '-i', 'ghcr.io/github/github-mcp-server:v1'], 'github-mcp-server'],
    [['uvx', 'mcp-server-git'], 'uvx'],
  ])('%j → %s', ([command, ...args], name) => {
    expect(deriveServerName(command as string, args)).toBe(name);
  });
});
