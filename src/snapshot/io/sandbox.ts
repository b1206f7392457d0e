import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Sandbox } from '../../lockfile/index.js';
import { CapsealError } from '../../shared/errors.js';
import type { ArtifactPlan } from '../artifact.js';
import type { ServerSpec } from '../types.js';
import type { SpawnPlan } from './stdio-transport.js';

type StdioSpec = Extract<ServerSpec, { transport: 'stdio' }>;

export interface PreparedSandbox {
  spawn: SpawnPlan;
  sandbox: Sandbox;
  /** Remove the temp HOME and working directory. */
  cleanup(): Promise<void>;
}

let unshareProbe: Promise<string | undefined> | undefined;

/** Whether `unshare -rn` works here (once per process): undefined if it does, else why not. */
export function probeNetworkDenial(): Promise<string | undefined> {
  unshareProbe ??= new Promise((done) => {
    if (process.platform !== 'linux') {
      done(`network namespaces need Linux (this is ${process.platform})`);
      return;
    }
    execFile('unshare', ['-rn', 'true'], { timeout: 5000 }, (error, _stdout, stderr) =>
      done(error ? `unshare -rn failed: ${String(stderr).trim() || error.message}` : undefined),
    );
  });
  return unshareProbe;
}

/** A relative argument that names an existing file or directory (resolved against baseDir) → absolute. */
export function resolvePathArg(arg: string, baseDir: string): string {
  if (isAbsolute(arg) || arg.startsWith('-') || arg.includes('://')) return arg;
  const looksLikePath =
    arg === '.' || arg === '..' || arg.includes('/') || /\.(m?[jt]s|cjs|py|sh|rb)$/.test(arg);
  if (!looksLikePath) return arg;
  const full = resolve(baseDir, arg);
  return existsSync(full) ? full : arg;
}

/** The nearest node_modules (walking up from dir) that holds `name`, if any. */
export function findLocalPackageDir(
  name: string,
  dir: string,
): { nodeModules: string; pkgDir: string } | undefined {
  let current = resolve(dir);
  for (;;) {
    const nodeModules = join(current, 'node_modules');
    const pkgDir = join(nodeModules, name);
    if (existsSync(join(pkgDir, 'package.json'))) return { nodeModules, pkgDir };
    const parent = resolve(current, '..');
    if (parent === current) return undefined;
    current = parent;
  }
}

/**
 * Make one locally installed package (and its bins) visible to npx from `cwd`: node_modules/<name> and
 * node_modules/.bin/<bin> symlinks. Only that package is exposed; its dependencies resolve from its real
 * location. npx then finds it in the "local project" and neither downloads nor needs the network.
 */
async function linkLocalPackage(name: string, pkgDir: string, cwd: string): Promise<void> {
  const target = join(cwd, 'node_modules', name);
  await mkdir(dirname(target), { recursive: true });
  await symlink(pkgDir, target, 'dir');
  let bin: unknown;
  try {
    bin = (JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as { bin?: unknown }).bin;
  } catch {
    return;
  }
  const bins: Record<string, string> =
    typeof bin === 'string'
      ? { [name.replace(/^@[^/]+\//, '')]: bin }
      : bin !== null && typeof bin === 'object'
        ? Object.fromEntries(
            Object.entries(bin).filter((e): e is [string, string] => typeof e[1] === 'string'),
          )
        : {};
  const binDir = join(cwd, 'node_modules', '.bin');
  await mkdir(binDir, { recursive: true });
  for (const [binName, file] of Object.entries(bins)) {
    if (binName.includes('/') || binName.startsWith('.')) continue;
    await symlink(resolve(pkgDir, file), join(binDir, binName));
  }
}

/**
 * Prepare a stdio server's sandbox: an allow-listed environment (PATH, HOME → a fresh temp dir, and only
 * the variables the spec names: never the caller's GITHUB_TOKEN or other secrets), a fresh temp working
 * directory unless one is configured, relative script/dir arguments resolved against the spec's baseDir,
 * and, when asked, no network (an unshared, empty network namespace via `unshare -rn`). An npx package
 * that is installed locally is run from that install (linked into the temp working directory), so npx
 * neither downloads nor needs the network. Returns what actually applied.
 */
export async function prepareSandbox(
  spec: StdioSpec,
  options: {
    denyNetwork?: boolean;
    parentEnv?: NodeJS.ProcessEnv;
    plan?: ArtifactPlan;
    localVersion?: string;
  },
): Promise<PreparedSandbox> {
  const baseDir = spec.baseDir ?? process.cwd();
  const parentEnv = options.parentEnv ?? process.env;
  const root = await realpath(await mkdtemp(join(tmpdir(), 'capseal-')));
  const cleanup = () => rm(root, { recursive: true, force: true, maxRetries: 2 });
  try {
    const home = join(root, 'home');
    await mkdir(home);
    let cwd: string;
    let cwdKind: Sandbox['cwd'];
    if (spec.cwd !== undefined) {
      cwd = resolve(baseDir, spec.cwd);
      cwdKind = 'configured';
      if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
        throw new CapsealError(
          'SERVER_FAILED',
          `server "${spec.name}": working directory ${cwd} does not exist`,
        );
      }
    } else {
      cwd = join(root, 'work');
      cwdKind = 'temp';
      await mkdir(cwd);
      if (options.plan?.kind === 'npm' && options.localVersion !== undefined) {
        const local = findLocalPackageDir(options.plan.name, baseDir);
        if (local !== undefined) await linkLocalPackage(options.plan.name, local.pkgDir, cwd);
      }
    }

    const env: Record<string, string> = {};
    if (parentEnv.PATH !== undefined) env.PATH = parentEnv.PATH;
    env.HOME = home;
    for (const [key, value] of Object.entries(spec.env ?? {})) env[key] = value;

    let command = resolvePathArg(spec.command, baseDir);
    let args = spec.args.map((a) => resolvePathArg(a, baseDir));
    let network: Sandbox['network'] = 'allowed';
    if (options.denyNetwork) {
      const why = await probeNetworkDenial();
      if (why !== undefined) {
        throw new CapsealError('USAGE', `--deny-network is not available here: ${why}`, {
          details: ['run without --deny-network, or where unprivileged user namespaces are enabled'],
        });
      }
      args = ['-rn', '--', command, ...args];
      command = 'unshare';
      network = 'denied';
    }
    return {
      spawn: { command, args, env, cwd },
      sandbox: { env: 'allow-list', home: 'temp', cwd: cwdKind, network },
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
