#!/usr/bin/env node
// `npm run adversarial` (issue 13): every scenario class of MCPTrust's public adversarial suite
// (DriftLab, Homoglyph Forge, SpoofBox, Resource Trap, InsecureFS) and capseal's own bypass classes, each
// reproduced by a fixture server of ours in fixtures/adversarial/ (nothing is fetched or vendored). For each
// scenario: `capseal lock` of the benign phase (ADV_PHASE=lock), then the attack phase (ADV_PHASE=attack)
// behind `capseal proxy` over stdio with an SDK client, which must see the attack held: blocked or
// filtered with the documented error kind, an audit record written, and the server never handed what was
// refused. Prints a table and `N held, M not held`; exits 1 if any is not held.
//
//   node scripts/adversarial.mjs [--scenario ID]... [--verbose]
// Needs `npm run build` first (runs dist/cli.js).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema, EmptyResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { SCENARIOS } from '../fixtures/adversarial/scenarios.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const localNode = join(root, 'node_modules/.bin/node');
const node = existsSync(localNode) ? localNode : process.execPath;
const cli = join(root, 'dist/cli.js');
const BLOCKED = -32010;

const { values } = parseArgs({
  options: { scenario: { type: 'string', multiple: true }, verbose: { type: 'boolean' } },
});

function run(args, env = {}) {
  return new Promise((res) => {
    const child = spawn(node, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      err += c;
    });
    child.once('exit', (code) => res({ code, out, err }));
  });
}

/** Everything one scenario's checks can use: the client, the audit log, what reached the server. */
class Session {
  constructor(work, scenario) {
    this.work = work;
    this.scenario = scenario;
    this.checks = [];
    this.stderr = '';
    this.auditPath = join(work, `${scenario.id}.audit.jsonl`);
    this.lockPath = join(work, `${scenario.id}.lock.json`);
  }

  server() {
    return ['node', `fixtures/adversarial/${this.scenario.server}`, ...(this.scenario.args ?? [])];
  }

  async lock() {
    const r = await run([
      cli,
      'lock',
      '--out',
      this.lockPath,
      '--env',
      'ADV_PHASE=lock',
      '--',
      ...this.server(),
    ]);
    this.lockOutput = r.err + r.out;
    if (r.code !== 0) throw new Error(`capseal lock exited ${r.code}: ${this.lockOutput.slice(-600)}`);
  }

  /** The proxy's argv after `proxy` (the server is launched as the lockfile records it). */
  proxyArgs(extra = []) {
    return ['--lock', this.lockPath, '--audit-log', this.auditPath, '--timeout', '3000', ...extra];
  }

  /** An SDK client connected through `capseal proxy` to the attack phase. */
  async connect(extra = []) {
    this.transport = new StdioClientTransport({
      command: node,
      args: [cli, 'proxy', ...this.proxyArgs(extra)],
      cwd: root,
      env: { ...process.env, ADV_PHASE: 'attack' },
      stderr: 'pipe',
    });
    this.transport.stderr?.on('data', (d) => {
      this.stderr += d;
    });
    this.client = new Client({ name: 'adversarial-host', version: '1.0.0' }, { capabilities: {} });
    this.clientErrors = [];
    this.client.onerror = (e) => this.clientErrors.push(e.message);
    await this.client.connect(this.transport);
    return this.client;
  }

  /** The proxy as a raw process: for ids an SDK client never sends, and to read replies byte-exact. */
  async connectRaw(extra = []) {
    const child = spawn(node, [cli, 'proxy', ...this.proxyArgs(extra)], {
      cwd: root,
      env: { ...process.env, ADV_PHASE: 'attack' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.rawLines = [];
    this.waiters = [];
    let buffer = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      buffer += d;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        this.rawLines.push(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
      }
      for (const w of this.waiters.splice(0)) w();
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      this.stderr += d;
    });
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
    this.writeLine(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      }),
    );
    await this.waitForLine((l) => l.includes('"id":0'));
    this.writeLine('{"jsonrpc":"2.0","method":"notifications/initialized"}');
  }

  writeLine(line) {
    this.child.stdin.write(`${line}\n`);
  }

  /** The first raw line from the proxy matching `predicate` (undefined after `ms`). */
  async waitForLine(predicate, ms = 5_000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.rawLines.find(predicate);
      if (hit !== undefined || Date.now() > deadline) return hit;
      await new Promise((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  /** Stderr of the proxy (its own lines and the server's), split out. */
  serverReceived() {
    return this.stderr
      .split('\n')
      .filter((l) => l.includes('adv-recv: '))
      .map((l) => l.slice(l.indexOf('adv-recv: ') + 10));
  }

  async audit() {
    const text = await readFile(this.auditPath, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l));
  }

  check(ok, what) {
    this.checks.push({ ok: Boolean(ok), what });
    return ok;
  }

  /** `promise` must fail with the blocked error of `kind` (data.kind); returns the error. */
  async expectBlocked(promise, kind, what) {
    const kinds = Array.isArray(kind) ? kind : [kind];
    try {
      const result = await promise;
      this.check(
        false,
        `${what}: expected blocked (${kind}), got a result ${JSON.stringify(result).slice(0, 160)}`,
      );
      return undefined;
    } catch (error) {
      const ok = error?.code === BLOCKED && kinds.includes(error?.data?.kind);
      this.check(
        ok,
        `${what}: ${ok ? `blocked (${error.data.kind})` : `got ${error?.code} ${error?.data?.kind ?? ''} ${error?.message}`}`,
      );
      return error;
    }
  }

  /** `promise` must fail with a JSON-RPC error whose code is `code`. */
  async expectError(promise, code, what) {
    try {
      const result = await promise;
      this.check(false, `${what}: expected error ${code}, got ${JSON.stringify(result).slice(0, 160)}`);
    } catch (error) {
      this.check(
        error?.code === code,
        `${what}: ${error?.code === code ? `error ${code}` : `got ${error?.code} ${error?.message}`}`,
      );
    }
  }

  /** An audit record matching `fields` must exist. */
  async expectAudit(fields, what) {
    const records = await this.audit();
    const hit = records.find((r) =>
      Object.entries(fields).every(([k, v]) => (typeof v === 'function' ? v(r[k], r) : r[k] === v)),
    );
    this.check(hit, `audit ${what}: ${hit ? 'written' : `missing (${records.length} records)`}`);
  }

  /** No line the server received may contain `needle`. */
  expectNotForwarded(needle, what) {
    const hit = this.serverReceived().find((l) => l.includes(needle));
    this.check(
      !hit,
      `${what}: ${hit ? `reached the server: ${hit.slice(0, 120)}` : 'never reached the server'}`,
    );
  }

  async close() {
    await this.client?.close().catch(() => {});
    await this.transport?.close().catch(() => {});
    if (this.child && this.child.exitCode === null) {
      this.child.stdin.end();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}

const helpers = { CallToolResultSchema, EmptyResultSchema, run, cli, node, root };

async function runScenario(work, scenario) {
  const s = new Session(work, scenario);
  const started = Date.now();
  try {
    await s.lock();
    await scenario.attack(s, helpers);
  } catch (error) {
    s.check(false, `scenario failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await s.close();
  }
  if (values.verbose) process.stderr.write(`--- ${scenario.id} stderr\n${s.stderr}\n`);
  return { scenario, checks: s.checks, ms: Date.now() - started };
}

async function main() {
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  const work = await mkdtemp(join(tmpdir(), 'capseal-adversarial-'));
  const chosen = values.scenario ? SCENARIOS.filter((s) => values.scenario.includes(s.id)) : SCENARIOS;
  const results = [];
  try {
    for (const scenario of chosen) results.push(await runScenario(work, scenario));
  } finally {
    if (!values.verbose) await rm(work, { recursive: true, force: true });
  }
  let held = 0;
  const rows = results.map((r) => {
    const ok = r.checks.length > 0 && r.checks.every((c) => c.ok);
    if (ok) held++;
    return { ...r, ok };
  });
  console.log(`${'scenario'.padEnd(30)} ${'class'.padEnd(34)} result`);
  for (const r of rows) {
    console.log(`${r.scenario.id.padEnd(30)} ${r.scenario.origin.padEnd(34)} ${r.ok ? 'held' : 'NOT HELD'}`);
    for (const c of r.checks)
      if (!c.ok || values.verbose) console.log(`    ${c.ok ? 'ok ' : 'FAIL'} ${c.what}`);
  }
  console.log(`${held} held, ${rows.length - held} not held`);
  process.exitCode = held === rows.length ? 0 : 1;
}

main().catch((error) => {
  process.stderr.write(`adversarial: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
