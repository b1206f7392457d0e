import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/io/index.js';
import { cliArgv, REPO, runCli } from '../helpers/cli.js';
import { type Fixture, gatewayYaml, lockThreeUpstreams, rejection, startGateway } from './helpers.js';

// Operations: readiness follows the upstreams, reload keeps a bad config out, check validates offline,
// the CLI reloads on SIGHUP and drains on SIGTERM.
let fx: Fixture;
let gw: RunningGateway;

beforeAll(async () => {
  fx = await lockThreeUpstreams();
  await writeFile(fx.configPath, gatewayYaml('', '{ initialMs: 1500, maxMs: 1500 }'));
  gw = await startGateway(fx.configPath);
}, 90_000);

afterAll(async () => {
  await gw?.close();
  fx?.http.kill('SIGKILL');
});

const readyz = async () => (await fetch(gw.url.replace(/\/mcp$/, '/readyz'))).status;

async function connect(url: string): Promise<Client> {
  const c = new Client({ name: 'gw-ops', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url)));
  return c;
}

describe('gateway operations', () => {
  it('is not ready while a required upstream is down, and ready again after its restart', async () => {
    const c = await connect(gw.url);
    expect(await readyz()).toBe(200);
    await rejection(c.callTool({ name: 'crashy__crash', arguments: {} }));
    expect(await readyz()).toBe(503);
    for (let i = 0; i < 100 && (await readyz()) !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await readyz()).toBe(200);
    await c.close();
  }, 30_000);

  it('rejects a bad config on reload and keeps serving the old one', async () => {
    await writeFile(fx.configPath, gatewayYaml().replace('upstreams:', 'upstreams:\n  ghost: {}'));
    const r = await gw.reload();
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).toMatch(/ghost/);
    const c = await connect(gw.url);
    expect((await c.listTools()).tools.map((t) => t.name)).toContain('dual__read_file');
    await c.close();
  }, 60_000);

  it('applies a good config on reload: a removed upstream is neither listed nor routed', async () => {
    await writeFile(fx.configPath, gatewayYaml().replace('  dual: {}\n', ''));
    expect(await gw.reload()).toEqual({ ok: true });
    const c = await connect(gw.url);
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await c.listTools(cursor === undefined ? {} : { cursor });
      names.push(...page.tools.map((t) => t.name));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(names.some((n) => n.startsWith('dual__'))).toBe(false);
    expect((await rejection(c.callTool({ name: 'dual__read_file', arguments: {} }))).data).toMatchObject({
      kind: 'unknown-upstream',
    });
    expect(JSON.stringify(await c.callTool({ name: 'crashy__echo', arguments: { text: 'new' } }))).toContain(
      'new',
    );
    await c.close();
  }, 60_000);
});

describe('capseal gateway check', () => {
  it('exits 2 listing every problem by path', async () => {
    const bad = join(fx.dir, 'bad.yaml');
    await writeFile(
      bad,
      gatewayYaml().replace('pageSize: 10', 'pageSize: 0').replace('crashy: {}', 'crashy: { server: nope }'),
    );
    const r1 = await runCli(['gateway', 'check', '--config', bad]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/pageSize/);
    await writeFile(bad, gatewayYaml().replace('crashy: {}', 'crashy: { server: nope }'));
    const r2 = await runCli(['gateway', 'check', '--config', bad]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('upstreams.crashy.server: the lockfile has no server "nope"');
    await writeFile(
      bad,
      gatewayYaml()
        .replace('crashy: {}', 'crashy: { unprefixed: true }')
        .replace('dual: {}', 'dual: { unprefixed: true }'),
    );
    const r3 = await runCli(['gateway', 'check', '--config', bad]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain('upstreams.dual.unprefixed: at most one upstream may be unprefixed');
  }, 60_000);

  it('exits 0 for a valid config and prints the JSON Schema', async () => {
    const good = join(fx.dir, 'good.yaml');
    await writeFile(good, gatewayYaml());
    expect((await runCli(['gateway', 'check', '--config', good])).code).toBe(0);
    await writeFile(good, gatewayYaml().replace('dual: {}', 'dual: { unprefixed: true }'));
    expect((await runCli(['gateway', 'check', '--config', good])).code).toBe(0);
    const schema = await runCli(['gateway', 'schema']);
    expect(JSON.parse(schema.stdout)).toMatchObject({ title: 'capseal gateway configuration' });
    expect((await runCli(['gateway', '--help'])).stdout).toMatch(/capseal gateway check --config/);
  }, 60_000);
});

describe('capseal gateway (the process)', () => {
  it('reloads on SIGHUP (a bad config rejected) and drains on SIGTERM (exit 0)', async () => {
    const config = join(fx.dir, 'cli.yaml');
    await writeFile(config, gatewayYaml());
    const child: ChildProcess = spawn(process.execPath, [...cliArgv(), 'gateway', '--config', config], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const url = await new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = /listening on (http:\S+)/.exec(stderr);
        if (m?.[1] !== undefined) {
          clearInterval(t);
          resolve(m[1]);
        }
      }, 50);
      child.once('exit', () => reject(new Error(stderr)));
    });
    const c = await connect(url);
    await writeFile(config, 'gatewayVersion: 1\n');
    child.kill('SIGHUP');
    for (let i = 0; i < 100 && !/reload rejected/.test(stderr); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(stderr).toMatch(/reload rejected/);
    expect(JSON.stringify(await c.callTool({ name: 'crashy__echo', arguments: { text: 'kept' } }))).toContain(
      'kept',
    );
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
