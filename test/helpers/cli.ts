import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..');

/**
 * argv prefix that runs the capseal CLI as a real process. From source via tsx by default (so tests never
 * depend on a rebuild); CAPSEAL_CLI=dist runs the committed bundle, CAPSEAL_CLI=<path> a given bundle.
 */
export function cliArgv(): string[] {
  const which = process.env.CAPSEAL_CLI;
  if (which === 'dist') return [join(REPO, 'dist', 'cli.js')];
  if (which) return [which];
  // Absolute, so the child resolves tsx whatever its working directory.
  return ['--import', import.meta.resolve('tsx'), join(REPO, 'src', 'cli', 'bin.ts')];
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `capseal ...args` to completion (node from PATH: Node 24 under npm scripts). */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliArgv(), ...args], {
      cwd: options.cwd ?? REPO,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
