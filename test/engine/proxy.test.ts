import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffLocks } from '../../src/diff/index.js';
import { parseLockfile } from '../../src/lockfile/index.js';
import { runCli } from '../helpers/cli.js';
import { connectThroughProxy, fixture, type ProxiedClient } from '../proxy/helpers.js';

// prepareProxy's launch check against a lock made with `capseal lock --launch-pattern`, end to end: real
// `lock`, real `proxy` processes, the echo fixture server (it ignores a non-numeric argument: the "root").
const node = process.execPath;
const open: ProxiedClient[] = [];
let dir: string;
let lockPath: string;
const server = (root: string) => [node, fixture('proxy-echo.mjs'), root];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capseal-launch-pattern-'));
  for (const d of ['root-a', 'root-b', 'other']) await mkdir(join(dir, d));
  lockPath = join(dir, 'mcp-lock.json');
  const r = await runCli([
    'lock',
    '--out',
    lockPath,
    '--launch-pattern',
    `arg2=${dir}/root-*`,
    '--',
    ...server(join(dir, 'root-a')),
  ]);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((c) => c.client.close()));
});

describe('capseal proxy with a lock made with --launch-pattern', () => {
  it('records the pattern on the locked source', async () => {
    const lock = parseLockfile(await readFile(lockPath, 'utf8'));
    const source = lock.servers['proxy-echo']?.source;
    expect(source?.transport === 'stdio' && source.launchPattern).toEqual({ args: { '2': `${dir}/root-*` } });
  });

  it('starts a launch line the pattern matches, and serves it', async () => {
    const c = await connectThroughProxy(['--lock', lockPath], server(join(dir, 'root-b')));
    open.push(c);
    const r = await c.client.callTool({ name: 'echo', arguments: { text: 'patterned' } });
    expect(r.content).toEqual([{ type: 'text', text: 'patterned' }]);
    expect(c.stderr()).not.toMatch(/launch change allowed/);
  });

  it('refuses one it does not match: exit 1 before the pin check or any spawn, naming the difference', async () => {
    const r = await runCli(['proxy', '--lock', lockPath, '--', ...server(join(dir, 'other'))], {
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the server launch differs from the lockfile; nothing was started/);
    expect(r.stderr).toContain(`- args: arguments ["${fixture('proxy-echo.mjs')}","${dir}/other"]`);
    expect(r.stderr).toContain(`nor its launch pattern {"2":"${dir}/root-*"}`);
    // The launch check comes before the artifact check, which comes before the spawn.
    expect(r.stderr).not.toMatch(/artifact (verified|unverifiable|mismatch)/);
  });

  it('reports a widened pattern as critical drift', async () => {
    const base = await readFile(lockPath, 'utf8');
    const head = base.replace(`"${dir}/root-*"`, '"/**"');
    const drifts = diffLocks(parseLockfile(base), parseLockfile(head));
    expect(drifts.map((d) => [d.kind, d.severity])).toEqual([['server.launch-pattern.changed', 'critical']]);
    const out = join(dir, 'head.json');
    await writeFile(out, head);
    const r = await runCli(['diff', lockPath, out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/server\.launch-pattern\.changed/);
  });
});

describe('capseal proxy of one server of a lockfile holding look-alike names across servers', () => {
  // plain: read_file. wide: a fullwidth ｒｅａｄ_file, confusable with it and suspicious on its own.
  const CONF = fixture('confusable-names.mjs');
  let config: string;
  let lock: string;

  beforeAll(async () => {
    config = join(dir, 'two.json');
    const server = (mode: string) => ({ command: node, args: [CONF], env: { CONFUSABLE: mode } });
    await writeFile(
      config,
      JSON.stringify({ mcpServers: { plain: server('plain'), wide: server('fullwidth') } }),
    );
    lock = join(dir, 'two-lock.json');
    const r = await runCli(['lock', '--out', lock, '--config', config]);
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  it('refuses to start the server carrying the look-alike under the baseline pack (exit 1)', async () => {
    const args = ['proxy', '--lock', lock, '--config', config, '--server', 'wide', '--policy', 'baseline'];
    const r = await runCli(args, { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('policy denies server "wide"; nothing was started');
    expect(r.stderr).toMatch(/baseline\/no-confusable-names.*ｒｅａｄ_file/);
    expect(r.stderr).toContain('is confusable with tool "read_file" of server "plain"');
  });

  it('starts the other one, warning that another server of the lockfile imitates its name', async () => {
    const c = await connectThroughProxy(
      ['--lock', lock, '--config', config, '--server', 'plain', '--policy', 'baseline'],
      undefined,
    );
    open.push(c);
    expect((await c.client.listTools()).tools.map((t) => t.name)).toEqual(['read_file']);
    expect(c.stderr()).toContain(
      'tool "read_file" of server "plain" is a possible look-alike: is confusable with tool "ｒｅａｄ_file" of server "wide"',
    );
  });
});
