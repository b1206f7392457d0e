#!/usr/bin/env node
// `npm run conformance` (issue 12): the official MCP conformance suite (@modelcontextprotocol/conformance,
// every server scenario) against fixtures/servers/conformance-target.mjs, first directly, then through
// `capseal proxy --url <target> --listen` with a lock of that target, then through `capseal gateway` in
// front of that lock's entry (issue 17). Prints
//   direct: N passed, M failed
//   proxied: N passed, M failed
//   gateway: N passed, M failed
// (checks, counted as the suite's own summary counts them) and exits 0 only when all three agree.
//
// The suite's client cannot send headers, and `--listen` requires a bearer token, so each proxied scenario
// goes through a loopback relay here that adds "Authorization: Bearer <token>" and maps its own
// Host/Origin (127.0.0.1:<relay port>) to the proxy's; any other Host/Origin (the suite's DNS-rebinding
// probe) is passed on unchanged, so the proxy's own checks decide. `--listen` serves one session, so every
// scenario gets a fresh proxy. Every scenario gets a fresh gateway too: the gateway relays a server's
// sampling, elicitation and log messages only to the client whose call is the upstream's one request in
// flight, and scenarios run side by side. The suite calls tools, prompts and resources by their fixed
// names, so the upstream is `unprefixed: true` (docs/gateway.md: the one upstream under its own names);
// a second upstream `twin` of the same locked server is namespaced beside it (`twin__test_simple_text`),
// so the suite runs against merged lists with another upstream's prefixed entries in them.
//
//   node scripts/conformance.mjs [--scenario NAME]... [--jobs N (default 4)] [--verbose]
// Needs `npm run build` first (runs dist/cli.js; CAPSEAL_CLI=PATH runs another build's cli.js). Node ≥ 22 for the suite: the Node in node_modules/.bin.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const localNode = join(root, 'node_modules/.bin/node');
const node = existsSync(localNode) ? localNode : process.execPath;
const suite = join(root, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const cli = process.env.CAPSEAL_CLI ? resolve(process.env.CAPSEAL_CLI) : join(root, 'dist/cli.js');
const target = join(root, 'fixtures/servers/conformance-target.mjs');

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', multiple: true },
    jobs: { type: 'string', default: '4' },
    verbose: { type: 'boolean' },
  },
});
const say = (line) => process.stderr.write(`${line}\n`);
const debug = (line) => values.verbose && say(line);

/** Spawn a child; resolve with the first stderr match of `pattern` (rejects on exit or after `ms`). */
function startAndWait(args, pattern, env = {}, ms = 20_000) {
  const child = spawn(node, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`timed out waiting for ${pattern}: ${err}`)), ms);
    child.stderr.on('data', (chunk) => {
      err += chunk;
      const m = pattern.exec(err);
      if (m) {
        clearTimeout(timer);
        res({ child, match: m, stderr: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`${args[0]} exited ${code} before it was ready: ${err}`));
    });
  });
}

function run(args, ms = 120_000) {
  return new Promise((res) => {
    const child = spawn(node, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      res({ code, out });
    });
  });
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(timer);
      res();
    });
    child.kill('SIGTERM');
  });
}

/** The suite's server scenarios, from `conformance list` (the "all" suite, pending ones included). */
async function listScenarios() {
  const { out } = await run([suite, 'list']);
  const section = out.split(/Client scenarios/)[0];
  return [...section.matchAll(/^\s+- ([a-z0-9-]+) \[/gm)].map((m) => m[1]);
}

/** Run one scenario against `url`; its checks from the suite's checks.json. */
async function runScenario(url, scenario, outDir) {
  const dir = join(outDir, scenario);
  await mkdir(dir, { recursive: true });
  const { out } = await run([suite, 'server', '--url', url, '--scenario', scenario, '-o', dir]);
  const [sub] = await readdir(dir);
  if (sub === undefined)
    return [{ id: scenario, status: 'FAILURE', errorMessage: `no result: ${out.slice(-400)}` }];
  return JSON.parse(await readFile(join(dir, sub, 'checks.json'), 'utf8'));
}

/** A loopback relay to the proxy that adds the bearer token and maps its own Host/Origin to the proxy's. */
async function startRelay(proxyUrl, token) {
  const upstream = new URL(proxyUrl);
  const server = createServer((req, res) => {
    const self = `127.0.0.1:${server.address().port}`;
    const headers = { ...req.headers, authorization: `Bearer ${token}` };
    if (headers.host === self || headers.host === `localhost:${server.address().port}`)
      headers.host = upstream.host;
    if (headers.origin === `http://${self}`) headers.origin = `http://${upstream.host}`;
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        res.flushHeaders();
        up.pipe(res);
      },
    );
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on('close', () => out.destroy());
    req.pipe(out);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/mcp`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * `capseal gateway` in front of the locked target: the lock's one server as an unprefixed upstream and
 * again as the namespaced upstream `twin`, enforcing, behind the same bearer token as the proxy.
 */
async function startGateway(dir, lock, tokenFile) {
  const { servers } = JSON.parse(await readFile(lock, 'utf8'));
  const [server] = Object.keys(servers);
  await mkdir(dir, { recursive: true });
  const config = join(dir, 'capseal.gateway.yaml');
  await writeFile(
    config,
    [
      'gatewayVersion: 1',
      `listen: { host: 127.0.0.1, port: 0, tokenFile: ${JSON.stringify(tokenFile)} }`,
      `lockfile: ${JSON.stringify(lock)}`,
      `auditLog: ${JSON.stringify(join(dir, 'audit.jsonl'))}`,
      'mode: enforce',
      'upstreams:',
      `  target: { server: ${JSON.stringify(server)}, unprefixed: true }`,
      `  twin: { server: ${JSON.stringify(server)} }`,
      '',
    ].join('\n'),
  );
  return startAndWait([cli, 'gateway', '--config', config], /listening on (http:\/\/\S+)/);
}

/** `fn` over `items`, at most `jobs` at a time, results in input order. */
async function pool(items, jobs, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  return out;
}

const count = (checks) => ({
  passed: checks.filter((c) => c.status === 'SUCCESS').length,
  failed: checks.filter((c) => c.status === 'FAILURE').length,
  warnings: checks.filter((c) => c.status === 'WARNING').length,
});

async function main() {
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const work = await mkdtemp(join(tmpdir(), 'capseal-conformance-'));
  const scenarios = values.scenario ?? (await listScenarios());
  const server = await startAndWait([target], /listening on (http:\/\/\S+)/, { PORT: '0' });
  const targetUrl = server.match[1];
  const results = [];
  try {
    const jobs = Number.parseInt(values.jobs, 10) || 1;
    const direct = await pool(scenarios, jobs, (s) => runScenario(targetUrl, s, join(work, 'direct')));

    const lock = join(work, 'mcp-lock.json');
    const locked = await run([cli, 'lock', '--url', targetUrl, '--out', lock]);
    if (locked.code !== 0) throw new Error(`capseal lock failed (${locked.code}): ${locked.out}`);
    const tokenFile = join(work, 'listen-token');
    const token = randomBytes(32).toString('base64url');
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });

    const proxied = await pool(scenarios, jobs, async (s) => {
      const proxy = await startAndWait(
        [
          cli,
          'proxy',
          '--lock',
          lock,
          '--url',
          targetUrl,
          '--listen',
          '127.0.0.1:0',
          '--listen-token-file',
          tokenFile,
          '--audit-log',
          join(work, `audit-${s}.jsonl`),
        ],
        /listening on (http:\/\/\S+)/,
      );
      const relay = await startRelay(proxy.match[1], token);
      try {
        return await runScenario(relay.url, s, join(work, 'proxied'));
      } finally {
        await relay.close();
        await stop(proxy.child);
        debug(proxy.stderr());
      }
    });

    const viaGateway = await pool(scenarios, jobs, async (s) => {
      const gateway = await startGateway(join(work, `gateway-${s}`), lock, tokenFile);
      const relay = await startRelay(gateway.match[1], token);
      try {
        return await runScenario(relay.url, s, join(work, 'gateway'));
      } finally {
        await relay.close();
        await stop(gateway.child);
        debug(gateway.stderr());
      }
    });
    scenarios.forEach((s, i) => {
      results.push({ scenario: s, direct: direct[i], proxied: proxied[i], gateway: viaGateway[i] });
    });
  } finally {
    await stop(server.child);
    if (!values.verbose) await rm(work, { recursive: true, force: true });
    else say(`work dir kept: ${work}`);
  }

  const runs = ['direct', 'proxied', 'gateway'];
  const total = Object.fromEntries(runs.map((k) => [k, { passed: 0, failed: 0 }]));
  const agree = (a, b) => a.passed === b.passed && a.failed === b.failed;
  const warn = (v) => (v.warnings > 0 ? ` (${v.warnings} warning${v.warnings === 1 ? '' : 's'})` : '');
  for (const r of results) {
    const counts = Object.fromEntries(runs.map((k) => [k, count(r[k])]));
    for (const k of runs) {
      total[k].passed += counts[k].passed;
      total[k].failed += counts[k].failed;
    }
    const off = runs.filter((k) => !agree(counts[k], counts.direct));
    const cells = runs.map((k) => `${k} ${counts[k].passed}/${counts[k].failed}${warn(counts[k])}`);
    say(`${off.length === 0 ? ' ' : '✗'} ${r.scenario.padEnd(32)} ${cells.join('  ')}`);
    for (const k of off)
      for (const c of r[k].filter((c) => c.status === 'FAILURE'))
        say(`    ${k} ${c.id}: ${String(c.errorMessage ?? '').slice(0, 300)}`);
  }
  for (const k of runs) console.log(`${k}: ${total[k].passed} passed, ${total[k].failed} failed`);
  process.exitCode = runs.every((k) => agree(total[k], total.direct)) ? 0 : 1;
}

main().catch((error) => {
  say(`conformance: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
});
