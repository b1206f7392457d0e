import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CapsealError, exitCodeFor } from '../../src/shared/errors.js';
import { type CliResult, REPO, runCli } from '../helpers/cli.js';

// One lock of the drifting fixture server, then every DRIFT value checked against it (in parallel).
const server = ['--', process.execPath, join(REPO, 'fixtures', 'servers', 'drifting.mjs')];
const EXPECTED: Record<string, string[]> = {
  'add-tool': ['tool.added'],
  'change-description': ['tool.description.changed'],
  'broaden-schema': ['tool.input-schema.broadened'],
  'flip-annotation': ['tool.annotation.dangerous'],
  'change-instructions': ['server.instructions.changed'],
  rename: ['tool.renamed'],
  homoglyph: ['tool.added', 'tool.name.confusable'],
};

interface JsonReport {
  outcome: string;
  drifts: { kind: string; severity: string; key?: string }[];
  verdicts: { pack: string; rule: string; severity: string }[];
}

let dir: string;
let lockPath: string;
const results = new Map<string, CliResult>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'capseal-check-'));
  lockPath = join(dir, 'mcp-lock.json');
  const locked = await runCli([
    'lock',
    '--out',
    lockPath,
    '--server',
    'demo',
    '--env',
    'DRIFT=none',
    ...server,
  ]);
  expect(locked.stderr).toContain('wrote');
  const runs = Object.keys(EXPECTED).map(async (drift) => {
    const args = ['check', '--lock', lockPath, '--format', 'json', '--env', `DRIFT=${drift}`, ...server];
    results.set(drift, await runCli(args));
  });
  runs.push(
    (async () => {
      results.set('none', await runCli(['check', '--lock', lockPath, '--env', 'DRIFT=none', ...server]));
    })(),
    (async () => {
      // No server source: relaunched as recorded, DRIFT copied from capseal's environment.
      const env = { ...process.env, DRIFT: 'add-tool' };
      results.set('relaunch', await runCli(['check', '--lock', lockPath, '--format', 'markdown'], { env }));
    })(),
  );
  await Promise.all(runs);
}, 120_000);

describe('capseal check against the drifting fixture server', () => {
  it('says "no drift" and exits 0 when nothing changed', () => {
    const result = results.get('none');
    expect(result?.stdout).toContain('PASS: no drift');
    expect(result?.code).toBe(0);
  });

  for (const [drift, kinds] of Object.entries(EXPECTED)) {
    it(`exits 1 with ${kinds.join(' + ')} for DRIFT=${drift}`, () => {
      const result = results.get(drift);
      expect(result?.code, result?.stderr).toBe(1);
      const report = JSON.parse(result?.stdout ?? '{}') as JsonReport;
      expect(report.outcome).toBe('fail');
      expect(report.drifts.map((d) => d.kind)).toEqual(kinds);
      expect(report.drifts.every((d) => d.severity === 'critical')).toBe(true);
    });
  }

  it('relaunches each locked server as recorded when no source is given', () => {
    const result = results.get('relaunch');
    expect(result?.code, result?.stderr).toBe(1);
    expect(result?.stdout).toContain('<!-- capseal-report -->');
    expect(result?.stdout).toContain('`tool.added` · `exec_shell`');
  });
});

describe('capseal check inputs', () => {
  it('reports policy findings beside drift and fails on a policy error', async () => {
    const pack = join(dir, 'impossible.yaml');
    writeFileSync(
      pack,
      [
        'name: impossible',
        'description: a rule no server meets',
        'rules:',
        '  - id: too-few-tools',
        '    description: needs a huge surface',
        '    severity: error',
        '    deny: size(tools) <= 9999',
        '    message: only {{ size(tools) }} tools',
        '',
      ].join('\n'),
    );
    const result = await runCli([
      'check',
      '--lock',
      lockPath,
      '--format',
      'json',
      '--policy',
      pack,
      '--env',
      'DRIFT=none',
      ...server,
    ]);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.drifts).toEqual([]);
    expect(report.verdicts).toMatchObject([{ pack: 'impossible', rule: 'too-few-tools', severity: 'error' }]);
    expect(result.code).toBe(1);
  });

  it('matches --config servers by name: a config-only server is drift', async () => {
    const config = join(dir, 'mcp.json');
    const entry = (drift: string) => ({
      command: process.execPath,
      args: [join(REPO, 'fixtures', 'servers', 'drifting.mjs')],
      env: { DRIFT: drift },
    });
    writeFileSync(config, JSON.stringify({ mcpServers: { demo: entry('none'), extra: entry('none') } }));
    const result = await runCli(['check', '--lock', lockPath, '--config', config, '--format', 'json']);
    const report = JSON.parse(result.stdout) as JsonReport & { servers: string[] };
    expect(report.servers).toEqual(['demo', 'extra']);
    expect(report.drifts).toMatchObject([{ kind: 'server.added', severity: 'critical' }]);
    expect(result.code).toBe(1);
  });

  it('refuses a tampered lockfile with exit 2 naming the entry, before starting anything', async () => {
    const tampered = join(dir, 'tampered.json');
    const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
    lock.servers.demo.tools.write_file.description = 'Write anywhere.';
    writeFileSync(tampered, JSON.stringify(lock, null, 2));
    const result = await runCli(['check', '--lock', tampered, ...server]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('servers.demo.tools.write_file.digest: does not match the entry');
  });

  it('refuses an unsigned lockfile when a signature is required (exit 1)', async () => {
    const key = join(REPO, 'fixtures', 'keys', 'alice.pub.pem');
    const result = await runCli(['check', '--lock', lockPath, '--key', key, ...server]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not signed');
  });

  it('refuses a lockfile signed by another key (exit 1, the mapping the Action reports as fail)', async () => {
    const signed = join(dir, 'signed-by-bob.json');
    writeFileSync(signed, readFileSync(lockPath));
    const sign = await runCli(['sign', '--key', join(REPO, 'fixtures', 'keys', 'bob.pem'), signed]);
    expect(sign.code, sign.stderr).toBe(0);
    const alice = join(REPO, 'fixtures', 'keys', 'alice.pub.pem');
    const result = await runCli(['check', '--lock', signed, '--key', alice, ...server]);
    expect(result.code).toBe(1);
    expect(result.code).toBe(exitCodeFor(new CapsealError('SIGNATURE_INVALID', 'x')));
    expect(result.stderr).toMatch(/^capseal: /);
  });

  it('reads ./mcp-lock.json when --lock is not given, as lock writes it', async () => {
    const result = await runCli(['check', '--env', 'DRIFT=add-tool', ...server], { cwd: dir });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('tool.added');
  });

  it('needs --lock (when the cwd has no mcp-lock.json) and a known --fail-on', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'capseal-check-empty-'));
    const none = await runCli(['check', ...server], { cwd: empty });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--lock FILE is required');
    expect((await runCli(['check', '--lock', lockPath, '--fail-on', 'high'])).code).toBe(2);
  });
});
