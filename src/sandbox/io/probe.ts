import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBwrapArgs, buildUnshareArgs, type LaunchView } from '../plan.js';
import { type Backend, DEFAULT_RESOURCE_LIMITS, type SandboxSupport } from '../types.js';
import { probePidsCgroup } from './cgroup.js';

const APPARMOR_USERNS = '/proc/sys/kernel/apparmor_restrict_unprivileged_userns';

function run(command: string, args: readonly string[], timeoutMs = 10_000): Promise<string | undefined> {
  return new Promise((done) => {
    execFile(
      command,
      [...args],
      { timeout: timeoutMs, env: { PATH: '/usr/bin:/bin' } },
      (error, _o, stderr) =>
        done(error ? String(stderr).trim().split('\n').pop() || error.message : undefined),
    );
  });
}

function which(command: string): string | undefined {
  for (const dir of ['/usr/bin', '/bin', '/usr/local/bin', '/usr/sbin', '/sbin']) {
    if (existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

/** Whether AppArmor restricts unprivileged user namespaces (Ubuntu 23.10+, GitHub's ubuntu-24.04 runners). */
export function apparmorRestrictsUserns(): boolean {
  try {
    return readFileSync(APPARMOR_USERNS, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

const trivialView = (): LaunchView => ({
  readOnly: [],
  writable: [],
  masks: [],
  cwd: '/',
  network: 'denied',
  limits: DEFAULT_RESOURCE_LIMITS,
  processLimit: 'cgroup',
  command: 'true',
  args: [],
});

async function tryBackend(backend: Backend): Promise<string | undefined> {
  const tool = which(backend);
  if (tool === undefined) {
    return backend === 'bwrap'
      ? 'bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)'
      : 'unshare (util-linux) is not installed';
  }
  if (backend === 'bwrap') {
    const why = await run(tool, buildBwrapArgs(trivialView()));
    return why === undefined ? undefined : `bwrap does not work here: ${why}`;
  }
  const root = await mkdtemp(join(tmpdir(), 'capseal-probe-'));
  try {
    const why = await run(tool, buildUnshareArgs(trivialView(), root));
    return why === undefined ? undefined : `unshare does not work here: ${why}`;
  } finally {
    await rm(root, { recursive: true, force: true }).catch(() => {});
  }
}

/** The AppArmor profile that lets bwrap (only) create user namespaces, as Ubuntu ships for other tools. */
export function apparmorProfile(bwrapPath: string): string {
  return [
    'abi <abi/4.0>,',
    'include <tunables/global>',
    `profile capseal-bwrap ${bwrapPath} flags=(unconfined) {`,
    '  userns,',
    '  include if exists <local/capseal-bwrap>',
    '}',
    '',
  ].join('\n');
}

/**
 * Where passwordless sudo works (GitHub-hosted runners): install /etc/apparmor.d/capseal-bwrap (the profile
 * above: unconfined, with `userns`, for /usr/bin/bwrap only) and load it with apparmor_parser -r. Nothing
 * else on the machine changes. Undefined on success, else why not.
 */
export async function setupApparmorForBwrap(): Promise<string | undefined> {
  const bwrap = which('bwrap');
  if (bwrap === undefined) return 'bwrap is not installed';
  if ((await run('sudo', ['-n', 'true'], 5_000)) !== undefined)
    return 'passwordless sudo (sudo -n) is not available';
  const write = await new Promise<string | undefined>((done) => {
    const child = execFile(
      'sudo',
      ['-n', 'tee', '/etc/apparmor.d/capseal-bwrap'],
      { timeout: 10_000 },
      (e, _o, err) => done(e ? String(err).trim() || e.message : undefined),
    );
    child.stdin?.end(apparmorProfile(bwrap));
  });
  if (write !== undefined) return `writing /etc/apparmor.d/capseal-bwrap failed: ${write}`;
  const load = await run('sudo', ['-n', 'apparmor_parser', '-r', '/etc/apparmor.d/capseal-bwrap']);
  return load === undefined ? undefined : `apparmor_parser -r failed: ${load}`;
}

/**
 * Where passwordless sudo and apt-get exist (GitHub-hosted runners): install the `bubblewrap` package.
 * Undefined on success, else why not.
 */
export async function installBubblewrap(): Promise<string | undefined> {
  if (which('apt-get') === undefined) return 'apt-get is not available';
  if ((await run('sudo', ['-n', 'true'], 5_000)) !== undefined)
    return 'passwordless sudo (sudo -n) is not available';
  const env = ['DEBIAN_FRONTEND=noninteractive'];
  if (
    (await run('sudo', ['-n', 'env', ...env, 'apt-get', 'install', '-y', '-qq', 'bubblewrap'], 180_000)) ===
    undefined
  ) {
    return undefined;
  }
  await run('sudo', ['-n', 'apt-get', 'update', '-qq'], 180_000);
  const why = await run(
    'sudo',
    ['-n', 'env', ...env, 'apt-get', 'install', '-y', '-qq', 'bubblewrap'],
    180_000,
  );
  return why === undefined ? undefined : `apt-get install bubblewrap failed: ${why}`;
}

export interface ProbeOptions {
  /**
   * Where `sudo -n` works, set up what bwrap needs: install the package when it is missing, and the AppArmor
   * profile when AppArmor is what blocks it (the Action does).
   */
  setupApparmor?: boolean;
  /** CAPSEAL_SANDBOX_BACKEND: force bwrap, unshare, or none (the latter to see what strict does). */
  force?: string;
}

async function probe(options: ProbeOptions): Promise<SandboxSupport> {
  const problems: string[] = [];
  if (process.platform !== 'linux') {
    return {
      backend: undefined,
      processLimit: undefined,
      problems: [`sandboxing needs Linux namespaces (this is ${process.platform})`],
    };
  }
  if (options.force === 'none') {
    return {
      backend: undefined,
      processLimit: undefined,
      problems: ['CAPSEAL_SANDBOX_BACKEND=none disables every backend'],
    };
  }
  let processLimit: SandboxSupport['processLimit'] = 'rlimit';
  if (process.getuid?.() === 0) {
    processLimit = (await probePidsCgroup()) ? 'cgroup' : undefined;
    if (processLimit === undefined) {
      problems.push(
        'capseal runs as root, where RLIMIT_NPROC does not apply, and no writable pids cgroup was found (/sys/fs/cgroup/pids, or cgroup v2 with pids delegated): run capseal as an unprivileged user',
      );
    }
  }
  if (which('prlimit') === undefined) problems.push('prlimit (util-linux) is not installed');
  const candidates: Backend[] =
    options.force === 'bwrap' ? ['bwrap'] : options.force === 'unshare' ? ['unshare'] : ['bwrap', 'unshare'];
  let backend: Backend | undefined;
  for (const candidate of candidates) {
    if (candidate === 'bwrap' && options.setupApparmor && which('bwrap') === undefined) {
      const install = await installBubblewrap();
      if (install !== undefined) problems.push(`bubblewrap could not be installed: ${install}`);
    }
    let why = await tryBackend(candidate);
    if (why !== undefined && candidate === 'bwrap' && apparmorRestrictsUserns() && options.setupApparmor) {
      const setup = await setupApparmorForBwrap();
      if (setup === undefined) why = await tryBackend(candidate);
      else why = `${why}; AppArmor set-up not possible: ${setup}`;
    }
    if (why === undefined) {
      backend = candidate;
      break;
    }
    problems.push(why);
  }
  if (backend === undefined && apparmorRestrictsUserns()) {
    problems.unshift(
      'kernel.apparmor_restrict_unprivileged_userns=1: AppArmor blocks unprivileged user namespaces; allow bwrap with an AppArmor profile (see docs/sandbox.md) or `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`',
    );
  }
  const usable = backend !== undefined && processLimit !== undefined && which('prlimit') !== undefined;
  return { backend: usable ? backend : undefined, processLimit, problems: usable ? [] : problems };
}

const cache = new Map<string, Promise<SandboxSupport>>();

/**
 * Find out once per process (per set of options) what sandbox this machine offers: bubblewrap when it works,
 * else unshare with the same view, else nothing, with one line per problem naming the package or setting.
 */
export function probeSandbox(options: ProbeOptions = {}): Promise<SandboxSupport> {
  const key = `${options.force ?? ''}|${options.setupApparmor === true}`;
  let found = cache.get(key);
  if (found === undefined) {
    found = probe(options);
    cache.set(key, found);
  }
  return found;
}
