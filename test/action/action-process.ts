import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const REPO = join(import.meta.dirname, '..', '..');
export const DRIFTING = join(REPO, 'fixtures', 'servers', 'drifting.mjs');
/** A token value that must never appear in any server's environment or any output. */
export const TOKEN = 'ghs_capsealTestToken0123456789abcdefXYZ';

/**
 * Build the action bundle into a fresh directory with the project's own build script (never dist/), so
 * the tests run exactly what ships. Returns the path of action.js and a cleanup function.
 */
export async function buildActionBundle(): Promise<{ actionJs: string; cleanup: () => void }> {
  // Under the repository's ignored tmp/ (not the OS temp dir): like dist/, the bundle then finds the shipped
  // policies/ by walking up from itself.
  mkdirSync(join(REPO, 'tmp'), { recursive: true });
  const out = mkdtempSync(join(REPO, 'tmp', 'action-dist-'));
  await promisify(execFile)(process.execPath, [join(REPO, 'scripts', 'build.mjs'), '--out', out], {
    cwd: REPO,
    maxBuffer: 64 * 1024 * 1024,
  });
  const cleanup = () => {
    rmSync(out, { recursive: true, force: true });
    try {
      rmdirSync(join(REPO, 'tmp')); // only when empty: other suites may be using it
    } catch {}
  };
  return { actionJs: join(out, 'action.js'), cleanup };
}

/** A fake runner: workspace, temp dir, summary and output files, as GitHub lays them out. */
export interface Runner {
  root: string;
  workspace: string;
  temp: string;
  summaryPath: string;
  outputPath: string;
  eventPath: string;
}

export function createRunner(): Runner {
  const root = mkdtempSync(join(tmpdir(), 'capseal-runner-'));
  const runner = {
    root,
    workspace: join(root, 'work', 'agent-tools'),
    temp: join(root, 'temp'),
    summaryPath: join(root, 'temp', 'step_summary'),
    outputPath: join(root, 'temp', 'output'),
    eventPath: join(root, 'event.json'),
  };
  mkdirSync(runner.workspace, { recursive: true });
  mkdirSync(runner.temp, { recursive: true });
  return runner;
}

/** Write an mcpServers config naming the drifting fixture server with a DRIFT mode. */
export function writeDriftConfig(runner: Runner, drift: string, file = '.mcp.json'): string {
  const config = { mcpServers: { files: { command: 'node', args: [DRIFTING], env: { DRIFT: drift } } } };
  writeFileSync(join(runner.workspace, file), `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

/** A pull_request event payload from fixtures/github/, with overrides applied to pull_request. */
export function writeEvent(runner: Runner, fixture: string): Record<string, unknown> {
  const payload = JSON.parse(readFileSync(join(REPO, 'fixtures', 'github', fixture), 'utf8')) as Record<
    string,
    unknown
  >;
  writeFileSync(runner.eventPath, JSON.stringify(payload));
  return payload;
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Parse GITHUB_OUTPUT as @actions/core writes it: `name<<DELIM\nvalue\nDELIM`. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i] as string);
    if (!m) continue;
    const value: string[] = [];
    i += 1;
    while (i < lines.length && lines[i] !== m[2]) value.push(lines[i++] as string);
    out[m[1] as string] = value.join('\n');
  }
  return out;
}

/**
 * Run the bundled action as the runner does: `node action.js` with INPUT_* (hyphenated names upper-cased,
 * as @actions/core reads them) and the GITHUB_* / RUNNER_* variables. Summary and output files are reset.
 */
export function runBundledAction(
  actionJs: string,
  runner: Runner,
  options: { inputs: Record<string, string>; env?: Record<string, string>; apiUrl?: string; event?: string },
): Promise<ActionRun> {
  writeFileSync(runner.summaryPath, '');
  writeFileSync(runner.outputPath, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? runner.root,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_EVENT_NAME: options.event ?? 'pull_request',
    GITHUB_EVENT_PATH: runner.eventPath,
    GITHUB_REPOSITORY: 'acme/agent-tools',
    GITHUB_WORKSPACE: runner.workspace,
    GITHUB_STEP_SUMMARY: runner.summaryPath,
    GITHUB_OUTPUT: runner.outputPath,
    GITHUB_API_URL: options.apiUrl ?? 'http://127.0.0.1:9',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_SHA: '4f1c0e2b9d8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
    GITHUB_RUN_ID: '1',
    RUNNER_TEMP: runner.temp,
    // As the runner does for a `with: github-token` default: the token is also in the job's env.
    GITHUB_TOKEN: TOKEN,
    'INPUT_GITHUB-TOKEN': TOKEN,
    ...options.env,
  };
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [actionJs], {
      cwd: runner.workspace,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout,
        stderr,
        outputs: parseOutputFile(readFileSync(runner.outputPath, 'utf8')),
        summary: readFileSync(runner.summaryPath, 'utf8'),
      });
    });
  });
}

/** 1-based line of the first line of `text` containing `needle` (after `after`, when given). */
export function lineOf(text: string, needle: string, after?: string): number {
  const lines = text.split('\n');
  const start = after === undefined ? 0 : lines.findIndex((l) => l.includes(after));
  const index = lines.findIndex((l, i) => i >= start && l.includes(needle));
  if (index < 0) throw new Error(`"${needle}" not found`);
  return index + 1;
}
