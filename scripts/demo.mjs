#!/usr/bin/env node
// `npm run demo`: lock the MCP reference server (server-everything, installed in node_modules and launched
// the way MCP clients launch it, `npx -y @modelcontextprotocol/server-everything`) into a temp dir, show what
// was pinned, prove a second lock is byte-identical, then `capseal check` it: once unchanged, once against
// a drifting fixture server that gained a tool. Runs the CLI from source (tsx), offline.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'capseal-demo-'));
const server = ['npx', '-y', '@modelcontextprotocol/server-everything'];
const EXIT = {
  0: 'pass',
  1: 'the gate says no',
  2: 'usage or invalid input',
  3: 'server failed',
  70: 'internal error',
};

function capseal(args) {
  process.stdout.write(`\n$ capseal ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/bin.ts'), ...args], {
    cwd: repo,
    env: process.env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trimEnd();
  if (output !== '') process.stdout.write(`${output.replace(/^/gm, '  ')}\n`);
  const code = result.status ?? 70;
  process.stdout.write(`  → exit ${code} (${EXIT[code] ?? 'unknown'})\n`);
  return code;
}

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');

process.stdout.write(`capseal demo (working in ${dir})\n`);

// 1. Lock the reference server.
const lockPath = join(dir, 'mcp-lock.json');
if (capseal(['lock', '--out', lockPath, '--', ...server]) !== 0) {
  process.stdout.write('\ndemo: locking server-everything failed (see above); is `npm ci` done?\n');
  process.exit(1);
}
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
for (const [name, entry] of Object.entries(lock.servers)) {
  const a = entry.artifact;
  process.stdout.write(
    [
      `\n${lockPath}`,
      `  server "${name}": ${entry.server.title ?? entry.server.name} ${entry.server.version}, protocol ${entry.server.protocolVersion}`,
      `  ${Object.keys(entry.tools).length} tools, ${Object.keys(entry.prompts).length} prompts, ${Object.keys(entry.resources).length} resources, ${Object.keys(entry.resourceTemplates).length} resource templates, each with a sha256 digest`,
      `  artifact: ${a.kind === 'npm' ? `${a.name}@${a.version} ${a.integrity}` : JSON.stringify(a)}`,
      `  sandbox: ${JSON.stringify(entry.sandbox)}`,
      `  tools: ${Object.keys(entry.tools).join(', ')}`,
      '',
    ].join('\n'),
  );
}

// 2. Lock again: same bytes.
const againPath = join(dir, 'mcp-lock.again.json');
capseal(['lock', '--out', againPath, '--', ...server]);
const same = sha256(lockPath) === sha256(againPath);
process.stdout.write(
  `\nsecond lock is ${same ? 'byte-identical' : 'DIFFERENT (a bug)'}: sha256 ${sha256(lockPath)}\n`,
);

// 3. Check the running server against the lockfile (no drift expected).
const checkCode = capseal(['check', '--lock', lockPath, '--', ...server]);

// 4. A server that drifted: lock the drifting fixture, then check it after it gained `exec_shell`.
//    (--env names the one variable the sandboxed server may see.)
const driftLock = join(dir, 'drifting.lock.json');
const fixture = ['--', 'node', 'fixtures/servers/drifting.mjs'];
capseal(['lock', '--out', driftLock, '--server', 'drifting', '--env', 'DRIFT=none', ...fixture]);
const driftCode = capseal([
  'check',
  '--lock',
  driftLock,
  '--server',
  'drifting',
  '--env',
  'DRIFT=add-tool',
  ...fixture,
]);

process.stdout.write('\n');
if (checkCode === 70 || driftCode === 70) {
  process.stdout.write(
    'demo: `capseal check` is not available in this build yet; lock and scan work as shown.\n',
  );
} else {
  process.stdout.write(
    `demo: check of the unchanged server → exit ${checkCode}; check after drift → exit ${driftCode} (1 means drift found).\n`,
  );
}
process.exit(same ? 0 : 1);
