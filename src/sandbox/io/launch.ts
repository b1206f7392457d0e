import { existsSync, realpathSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { basename, delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { Artifact, Sandbox } from '../../lockfile/index.js';
import { CapsealError, type Logger, silentLogger } from '../../shared/index.js';
import {
  buildBwrapArgs,
  buildUnshareArgs,
  classifyLimitHit,
  decideSandbox,
  isInside,
  type LaunchExit,
  type LaunchView,
  type Mask,
  maskedWithin,
  type SandboxDecision,
  SYSTEM_DIRS,
  selectGrants,
} from '../plan.js';
import type { Backend, SandboxSettings } from '../types.js';
import { createPidsCgroup } from './cgroup.js';
import { fetchNpmPackage, type PackageCache } from './fetch-package.js';
import { probeSandbox } from './probe.js';

/** A process to spawn: what the launcher hands to child_process.spawn. */
export interface SpawnPlan {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/** One stdio server to launch, as scan/lock/check/the Action (ServerSpec) or the proxy describe it. */
export interface LaunchRequest {
  name: string;
  command: string;
  args: readonly string[];
  /** Variables the server gets besides PATH and HOME: the caller has already allow-listed them. */
  env: Record<string, string>;
  /** A configured working directory (relative to baseDir); a fresh temp directory otherwise. */
  cwd?: string;
  /** What relative paths in command/args/cwd resolve against. */
  baseDir: string;
  /** The npm package the command runs (`npx pkg`, as snapshot's planArtifact finds it), if any. */
  npm?: { name: string; requested?: string | undefined };
  /** The locked artifact (check, proxy): a package downloaded for the sandbox must match it. */
  pin?: Artifact;
  /** Grant path arguments and the configured cwd read-write (the proxy's real sessions); read-only otherwise. */
  writableGrants?: boolean;
}

export interface LaunchOptions {
  settings: SandboxSettings;
  /** capseal's own environment: PATH lookup, the hidden paths (HOME, RUNNER_TEMP…) and the npm download. */
  parentEnv: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Let the probe set up AppArmor for bwrap through `sudo -n` (the Action does). */
  setupApparmor?: boolean;
  /** Where a download is kept for the other launches of the same server (fetched once); else per launch. */
  packages?: PackageCache;
}

export interface PreparedLaunch {
  spawn: SpawnPlan;
  /** What actually applied, as the lockfile records it. */
  record: Sandbox;
  /** The backend used, or undefined when the server runs unsandboxed (--sandbox off, or auto without one). */
  backend: Backend | undefined;
  /** A version and integrity downloaded for the sandbox (the artifact that actually ran). */
  fetched?: { name: string; version: string; integrity: string | undefined };
  /** Name the resource limit a server that died ran into, if its exit says so. */
  explainExit(exit: LaunchExit): string | undefined;
  /** Remove the temp directories and the cgroup. Call after the process is gone. */
  cleanup(): Promise<void>;
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
 * Make one installed package (and its bins) visible to npx from `cwd`: node_modules/<name> and
 * node_modules/.bin/<bin> symlinks. npx then finds it in the "local project" and neither downloads nor
 * needs the network.
 */
async function linkPackage(name: string, pkgDir: string, cwd: string): Promise<void> {
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

function which(command: string, pathEnv: string | undefined): string | undefined {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    const full = join(dir, command);
    try {
      if (statSync(full).isFile()) return realpathSync(full);
    } catch {
      // not here
    }
  }
  return undefined;
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

const inSystemDir = (path: string) => SYSTEM_DIRS.some((d) => isInside(path, d));

/** The installation a runtime binary belongs to (…/bin/node → …), read-only; system ones need nothing. */
function runtimeGrant(binary: string, hidden: readonly string[]): string | undefined {
  if (inSystemDir(binary)) return undefined;
  const dir = dirname(binary);
  const prefix = basename(dir) === 'bin' ? dirname(dir) : dir;
  return hidden.some((h) => isInside(h, prefix)) ? binary : prefix;
}

/**
 * The project a script belongs to: the nearest directory above it with a package.json, else its own; for a
 * script inside an installed package, the whole node_modules it lives in (its dependencies resolve there).
 */
function projectRoot(path: string, stopAt: readonly string[]): string {
  const modules = path.indexOf(`${sep}node_modules${sep}`);
  if (modules !== -1) return path.slice(0, modules + `${sep}node_modules`.length);
  const start = statSync(path).isDirectory() ? path : dirname(path);
  for (let dir = start; ; dir = dirname(dir)) {
    if (stopAt.includes(dir) || dir === dirname(dir)) return start;
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
}

/** Paths no server ever sees: the caller's HOME, the runner's temp directory and its file-command files. */
function hiddenRoots(env: NodeJS.ProcessEnv): string[] {
  const out = new Set<string>();
  const add = (path: string | undefined) => {
    if (path !== undefined && path !== '' && isAbsolute(path)) out.add(real(path));
  };
  add(env.HOME);
  add(homedir());
  add(env.RUNNER_TEMP);
  for (const name of ['GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_STATE']) {
    const file = env[name];
    if (file !== undefined && isAbsolute(file)) add(dirname(file));
  }
  return [...out].filter((p) => p !== '/');
}

function maskOf(path: string): Mask | undefined {
  try {
    return { path, kind: statSync(path).isDirectory() ? 'dir' : 'file' };
  } catch {
    return undefined;
  }
}

/**
 * The one way capseal launches a stdio server (scan, lock, check, the Action, the proxy). The server gets an
 * allow-listed environment (PATH, a temp HOME, and only the variables the caller named: never
 * GITHUB_TOKEN), a temp working directory unless one is configured, and, unless the sandbox is off or
 * unavailable in `auto` mode, its own user, PID, mount, IPC, UTS (and, unless the network is allowed,
 * network) namespaces with a root that shows only the system directories, the runtime, the artifact's
 * project (its .git masked), granted path arguments and its private directories, under resource limits.
 * `strict` with no usable sandbox is a SERVER_FAILED error (exit 3) before anything runs. An npm package
 * not installed locally is downloaded outside the sandbox first (integrity checked against `pin`).
 */
export async function prepareLaunch(request: LaunchRequest, options: LaunchOptions): Promise<PreparedLaunch> {
  const { settings, parentEnv } = options;
  const logger = options.logger ?? silentLogger;
  const support =
    settings.mode === 'off'
      ? undefined
      : await probeSandbox({
          ...(parentEnv.CAPSEAL_SANDBOX_BACKEND === undefined
            ? {}
            : { force: parentEnv.CAPSEAL_SANDBOX_BACKEND }),
          ...(options.setupApparmor ? { setupApparmor: true } : {}),
        });
  const decision: SandboxDecision =
    support === undefined ? { kind: 'none' } : decideSandbox(settings.mode, support);
  if (decision.kind === 'refuse') {
    throw new CapsealError('SERVER_FAILED', `server "${request.name}" not started: ${decision.reason}`, {
      details: decision.details,
    });
  }
  if (decision.kind === 'none' && decision.warning !== undefined) logger.warn(decision.warning);
  const backend = decision.kind === 'sandbox' ? decision.backend : undefined;

  const root = await realpath(await mkdtemp(join(tmpdir(), 'capseal-')));
  let cgroup: Awaited<ReturnType<typeof createPidsCgroup>>;
  const cleanup = async () => {
    await cgroup?.remove();
    await rm(root, { recursive: true, force: true, maxRetries: 2 });
  };
  try {
    const { baseDir } = request;
    const home = join(root, 'home');
    await mkdir(home);
    let cwd: string;
    let cwdKind: Sandbox['cwd'];
    if (request.cwd !== undefined) {
      cwd = resolve(baseDir, request.cwd);
      cwdKind = 'configured';
      if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
        throw new CapsealError(
          'SERVER_FAILED',
          `server "${request.name}": working directory ${cwd} does not exist`,
        );
      }
    } else {
      cwd = join(root, 'work');
      cwdKind = 'temp';
      await mkdir(cwd);
    }
    const command = resolvePathArg(request.command, baseDir);
    const args = request.args.map((a) => resolvePathArg(a, baseDir));

    // npm packages: the local install when there is one, else (sandboxed) a download made outside it.
    const readOnly: string[] = [];
    let fetched: PreparedLaunch['fetched'];
    const plan = request.npm;
    if (plan !== undefined) {
      const pin = request.pin?.kind === 'npm' ? request.pin : undefined;
      let local = findLocalPackageDir(plan.name, baseDir);
      const wanted = pin?.version ?? plan.requested;
      if (local !== undefined && wanted !== undefined) {
        const pkg = JSON.parse(await readFile(join(local.pkgDir, 'package.json'), 'utf8')) as {
          version?: string;
        };
        if (pkg.version !== wanted) local = undefined;
      }
      if (local !== undefined) {
        readOnly.push(real(local.nodeModules));
        if (cwdKind === 'temp') await linkPackage(plan.name, real(local.pkgDir), cwd);
      } else if (backend !== undefined) {
        const pinned = pin === undefined ? undefined : { version: pin.version, integrity: pin.integrity };
        if (options.packages?.has(plan.name, plan.requested, pinned) !== true) {
          logger.info(
            `capseal: downloading ${plan.name} outside the sandbox (npm, your registry configuration)`,
          );
        }
        const got =
          options.packages === undefined
            ? await fetchNpmPackage(plan.name, plan.requested, join(root, 'npm'), parentEnv, pinned)
            : await options.packages.fetch(plan.name, plan.requested, parentEnv, pinned);
        fetched = { name: plan.name, version: got.version, integrity: got.integrity };
        readOnly.push(got.prefix);
        if (cwdKind === 'temp') await linkPackage(plan.name, got.pkgDir, cwd);
      }
    }

    const env: Record<string, string> = { ...request.env };
    delete env.TMPDIR;
    const record: Sandbox = {
      env: 'allow-list',
      home: 'temp',
      cwd: cwdKind,
      network: backend !== undefined && settings.network === 'denied' ? 'denied' : 'allowed',
    };
    const explainExit = (exit: LaunchExit) =>
      backend === undefined ? undefined : classifyLimitHit(exit, settings.limits);

    if (backend === undefined) {
      if (parentEnv.PATH !== undefined) env.PATH = parentEnv.PATH;
      env.HOME = home;
      return { spawn: { command, args, env, cwd }, record, backend, explainExit, cleanup };
    }

    // A command that does not exist is spawned as it is: it fails to start (ENOENT) and nothing runs.
    if (command.includes('/') ? !existsSync(command) : which(command, parentEnv.PATH) === undefined) {
      return { spawn: { command, args, env, cwd }, record, backend, explainExit, cleanup };
    }

    // What the server may see.
    const hidden = hiddenRoots(parentEnv);
    const workspaces = [parentEnv.GITHUB_WORKSPACE, baseDir]
      .filter((p): p is string => p !== undefined && isAbsolute(p))
      .map((p) => real(p))
      .map((p) => (existsSync(p) ? projectRoot(p, hidden) : p))
      .filter((p) => !hidden.some((h) => isInside(h, p)));
    const bin = join(root, 'bin');
    await mkdir(bin);
    const runtime: string[] = [];
    for (const name of new Set(['node', 'npx', ...(command.includes('/') ? [] : [command])])) {
      const found = which(name, parentEnv.PATH);
      if (found === undefined) continue;
      await symlink(found, join(bin, name));
      const grant = runtimeGrant(found, hidden);
      if (grant !== undefined) runtime.push(grant);
    }
    const requested = [...readOnly];
    for (const candidate of [command, ...args]) {
      if (!isAbsolute(candidate) || !existsSync(candidate)) continue;
      const path = real(candidate);
      requested.push(
        path === real(command) || /\.(m?[jt]s|cjs|py|rb|sh)$/.test(path) ? projectRoot(path, hidden) : path,
      );
    }
    if (cwdKind === 'configured') requested.push(real(cwd));
    const selection = selectGrants(requested, hidden, workspaces);
    for (const refused of selection.refused) {
      logger.warn(`server "${request.name}": ${refused.path} stays invisible in the sandbox: ${refused.why}`);
    }
    const writableGrants = request.writableGrants === true;
    const pathArgs = new Set(args.filter((a) => isAbsolute(a)).map(real));
    const isWritable = (p: string) => writableGrants && (pathArgs.has(p) || p === real(cwd));
    const gitDirs = [...selection.granted, ...workspaces].map((p) => join(p, '.git'));
    const masks = maskedWithin(
      [...selection.granted, ...runtime],
      [...hidden, ...gitDirs].map(maskOf).filter((m): m is Mask => m !== undefined),
    );
    const granted = [...new Set([...runtime, ...selection.granted.filter((p) => !isWritable(p))])].sort();
    const writable = [home, ...(cwdKind === 'temp' ? [cwd] : []), ...selection.granted.filter(isWritable)];
    const visible = [bin, ...granted, ...writable];
    env.PATH = [
      bin,
      ...(parentEnv.PATH ?? '/usr/bin:/bin')
        .split(delimiter)
        .filter((d) => isAbsolute(d) && (inSystemDir(d) || visible.some((v) => isInside(d, v)))),
    ].join(delimiter);
    env.HOME = home;

    const root0 = process.getuid?.() === 0;
    if (root0) {
      cgroup = await createPidsCgroup(settings.limits.processes);
      if (cgroup === undefined) throw new CapsealError('SERVER_FAILED', 'no pids cgroup for a root caller');
    }
    const view: LaunchView = {
      readOnly: [bin, ...granted],
      writable,
      masks,
      cwd,
      network: settings.network,
      limits: settings.limits,
      processLimit: root0 ? 'cgroup' : 'rlimit',
      command,
      args,
    };
    let tool: string;
    let toolArgs: string[];
    if (backend === 'bwrap') {
      tool = 'bwrap';
      toolArgs = buildBwrapArgs(view);
    } else {
      const newRoot = join(root, 'root');
      await mkdir(newRoot);
      tool = 'unshare';
      toolArgs = buildUnshareArgs(view, newRoot);
    }
    const launcher =
      cgroup === undefined
        ? { command: tool, args: toolArgs }
        : {
            command: '/bin/sh',
            args: ['-c', 'echo $$ > "$0" && exec "$@"', cgroup.procs, tool, ...toolArgs],
          };
    logger.debug(
      `${request.name}: sandbox ${backend}, network ${settings.network}, grants ${granted.join(' ')}`,
    );
    return {
      spawn: { ...launcher, env, cwd: root },
      record,
      backend,
      ...(fetched === undefined ? {} : { fetched }),
      explainExit,
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
