import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

/** Variables a server inherits from the proxy's environment without being named (the SDK's default set). */
export const INHERITED_ENV = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'LANG', 'TMPDIR'] as const;

export interface ServerProcessSpec {
  command: string;
  args: readonly string[];
  cwd?: string;
  /** Names of further variables passed through from the proxy's environment (values never logged). */
  envNames?: readonly string[];
  /** Explicit values (e.g. from an mcpServers `env` block). */
  env?: Record<string, string>;
}

/**
 * Build the allow-listed environment (STYLE §12): the default set, then variables the lockfile or the
 * operator named, then explicit values. Function-valued variables (`() {…}`) are never passed.
 */
export function buildServerEnv(
  source: NodeJS.ProcessEnv,
  spec: Pick<ServerProcessSpec, 'envNames' | 'env'>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...INHERITED_ENV, ...(spec.envNames ?? [])]) {
    const value = source[name];
    if (value !== undefined && !value.startsWith('()')) env[name] = value;
  }
  return { ...env, ...(spec.env ?? {}) };
}

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  /** Resolves once with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Close stdin, then SIGTERM the process group after `graceMs`, SIGKILL after twice that. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawn a stdio server in its own process group (so helpers it starts die with it), without a shell, with
 * the allow-listed environment. Spawn failures (ENOENT) surface through `exited`, never as a throw.
 */
export function spawnServer(spec: ServerProcessSpec, sourceEnv: NodeJS.ProcessEnv): ServerProcess {
  const child = spawn(spec.command, [...spec.args], {
    cwd: spec.cwd,
    env: buildServerEnv(sourceEnv, spec),
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
    shell: false,
    windowsHide: true,
  });
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', () => {
      done = true;
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      if (process.platform === 'win32') child.kill(signal);
      else process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const stop = async (graceMs = 2_000) => {
    child.stdin.end();
    if (done) {
      killGroup('SIGKILL');
      return;
    }
    const wait = (ms: number) =>
      Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref()),
      ]);
    if (await wait(graceMs)) {
      killGroup('SIGKILL');
      return;
    }
    killGroup('SIGTERM');
    if (await wait(graceMs)) {
      killGroup('SIGKILL');
      return;
    }
    killGroup('SIGKILL');
    await exited;
  };
  return { child, exited, stop };
}
