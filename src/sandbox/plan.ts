import { isAbsolute, relative } from 'node:path';
import type { Backend, NetworkMode, ResourceLimits, SandboxMode, SandboxSupport } from './types.js';

/** System directories a runtime needs, bound read-only when they exist. /etc is not among them: see ETC_ENTRIES. */
export const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'] as const;

/** The parts of /etc that name resolution, TLS and the dynamic linker read; nothing else of /etc is visible. */
export const ETC_ENTRIES = [
  '/etc/alternatives',
  '/etc/ca-certificates',
  '/etc/crypto-policies',
  '/etc/gai.conf',
  '/etc/group',
  '/etc/host.conf',
  '/etc/hosts',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/nsswitch.conf',
  '/etc/os-release',
  '/etc/passwd',
  '/etc/pki',
  '/etc/protocols',
  '/etc/resolv.conf',
  '/etc/services',
  '/etc/ssl',
] as const;

/** Whether `path` is `dir` or lies below it (both absolute, normalized). */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export interface GrantSelection {
  granted: string[];
  refused: { path: string; why: string }[];
}

/**
 * Decide which requested paths become visible. A grant is refused when it is, or holds, a hidden path (so
 * `/`, `/home` or the caller's HOME never become visible), or when it lies inside a hidden path, unless it
 * is inside one of `allowed` (the workspace may live inside the caller's HOME, as on GitHub's runners).
 * Paths that must stay invisible inside a granted one (the workspace's .git) are masked (see maskedWithin).
 */
export function selectGrants(
  requested: readonly string[],
  hidden: readonly string[],
  allowed: readonly string[],
): GrantSelection {
  const granted: string[] = [];
  const refused: GrantSelection['refused'] = [];
  for (const path of [...new Set(requested)].sort()) {
    const holds = hidden.find((h) => isInside(h, path));
    if (holds !== undefined) {
      refused.push({ path, why: `it holds ${holds}, which a server never sees` });
      continue;
    }
    const within = hidden.find((h) => isInside(path, h));
    if (within !== undefined && !allowed.some((a) => isInside(path, a))) {
      refused.push({ path, why: `it lies inside ${within}, which a server never sees` });
      continue;
    }
    granted.push(path);
  }
  return { granted, refused };
}

export interface Mask {
  path: string;
  kind: 'dir' | 'file';
}

/** The hidden paths that lie strictly inside a granted path: those are covered (empty tmpfs or /dev/null). */
export function maskedWithin(granted: readonly string[], hidden: readonly Mask[]): Mask[] {
  return hidden.filter((h) => granted.some((g) => isInside(h.path, g) && h.path !== g));
}

/** Everything one sandboxed launch needs, resolved to absolute paths by the shell. */
export interface LaunchView {
  /** Granted paths, bound read-only at the same place. */
  readOnly: readonly string[];
  /** Private directories (temp HOME, working directory), bound read-write. */
  writable: readonly string[];
  masks: readonly Mask[];
  cwd: string;
  network: NetworkMode;
  limits: ResourceLimits;
  processLimit: 'rlimit' | 'cgroup';
  command: string;
  args: readonly string[];
}

/**
 * The rlimits as an `env -u PWD prlimit …` prefix run inside the sandbox. RLIMIT_NPROC only where it counts (the kernel
 * exempts uid 0; root callers get a pids cgroup instead).
 */
export function limitPrefix(limits: ResourceLimits, processLimit: 'rlimit' | 'cgroup'): string[] {
  const bytes = limits.addressSpaceMb * 1024 * 1024;
  return [
    // bwrap and sh set PWD; the server gets exactly the allow-listed variables.
    'env',
    '-u',
    'PWD',
    'prlimit',
    `--as=${bytes}:${bytes}`,
    `--nofile=${limits.openFiles}:${limits.openFiles}`,
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds}`,
    ...(processLimit === 'rlimit' ? [`--nproc=${limits.processes}:${limits.processes}`] : []),
    '--',
  ];
}

/**
 * bubblewrap's command line for a launch: new user, PID, IPC, UTS (and cgroup where possible) namespaces, a
 * network namespace unless the network is allowed, and a new root holding only the system directories, the
 * chosen parts of /etc, a fresh /proc, /dev and /tmp, the granted paths (read-only) and the private ones.
 * Capabilities are dropped, the sandbox dies with capseal, and the server starts in a new session.
 */
export function buildBwrapArgs(view: LaunchView): string[] {
  const args = [
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...(view.network === 'denied' ? ['--unshare-net'] : ['--share-net']),
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'capseal-sandbox',
  ];
  for (const dir of SYSTEM_DIRS) args.push('--ro-bind-try', dir, dir);
  for (const entry of ETC_ENTRIES) args.push('--ro-bind-try', entry, entry);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  for (const path of view.readOnly) args.push('--ro-bind', path, path);
  for (const path of view.writable) args.push('--bind', path, path);
  for (const mask of view.masks) {
    if (mask.kind === 'dir') args.push('--tmpfs', mask.path, '--remount-ro', mask.path);
    else args.push('--ro-bind', '/dev/null', mask.path);
  }
  args.push('--chdir', view.cwd, '--', ...limitPrefix(view.limits, view.processLimit), view.command);
  args.push(...view.args);
  return args;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The same view with util-linux alone: `unshare` makes the namespaces (root inside a user namespace), a
 * shell builds the new root on a tmpfs with bind mounts (read-only ones remounted read-only), pivots into
 * it, detaches the old root, and `setpriv` drops every capability before the server runs.
 */
export function buildUnshareArgs(view: LaunchView, newRoot: string): string[] {
  const q = shellQuote;
  const lines = [
    'set -e',
    'P="$PATH"; PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    `R=${q(newRoot)}`,
    'mount -t tmpfs -o mode=0755 capseal "$R"',
    'bind() { if [ -d "$1" ]; then mkdir -p "$R$1"; elif [ -e "$1" ]; then mkdir -p "$R$(dirname "$1")"; touch "$R$1"; else return 0; fi; mount --rbind "$1" "$R$1"; if [ "$2" = ro ]; then mount -o remount,bind,ro "$R$1" 2>/dev/null || mount -o remount,bind,ro,nosuid,nodev "$R$1"; fi; }',
  ];
  for (const dir of [...SYSTEM_DIRS, ...ETC_ENTRIES]) lines.push(`bind ${q(dir)} ro`);
  lines.push(
    'mkdir -p "$R/proc" "$R/dev" "$R/tmp" "$R/.old"',
    'mount -t proc proc "$R/proc"',
    'mount -t tmpfs -o mode=1777 tmp "$R/tmp"',
    'mount -t tmpfs -o mode=0755 dev "$R/dev"',
    'for d in null zero full random urandom tty; do touch "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"; done',
    'ln -s /proc/self/fd "$R/dev/fd"; ln -s /proc/self/fd/0 "$R/dev/stdin"; ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"',
  );
  for (const path of view.readOnly) lines.push(`bind ${q(path)} ro`);
  for (const path of view.writable) lines.push(`bind ${q(path)} rw`);
  for (const mask of view.masks) {
    lines.push(
      mask.kind === 'dir'
        ? `mount -t tmpfs -o ro,mode=0755 masked "$R"${q(mask.path)}`
        : `mount --bind /dev/null "$R"${q(mask.path)}`,
    );
  }
  lines.push(
    'cd "$R"',
    'pivot_root . .old',
    'umount -l /.old',
    'rmdir /.old',
    `cd ${q(view.cwd)}`,
    'PATH="$P"',
    'exec setpriv --no-new-privs --inh-caps=-all --ambient-caps=-all --bounding-set=-all -- "$@"',
  );
  return [
    '--user',
    '--map-root-user',
    '--pid',
    '--fork',
    '--kill-child',
    '--mount',
    '--ipc',
    '--uts',
    ...(view.network === 'denied' ? ['--net'] : []),
    '--',
    'sh',
    '-c',
    lines.join('\n'),
    'capseal-sandbox',
    ...limitPrefix(view.limits, view.processLimit),
    view.command,
    ...view.args,
  ];
}

export type SandboxDecision =
  | { kind: 'sandbox'; backend: Backend }
  | { kind: 'none'; warning?: string }
  | { kind: 'refuse'; reason: string; details: string[] };

/**
 * What a mode makes of this machine: a backend when one works; with none, `strict` refuses (before anything
 * is spawned), `auto` runs unsandboxed with a warning naming what is missing, `off` runs unsandboxed quietly.
 */
export function decideSandbox(mode: SandboxMode, support: SandboxSupport): SandboxDecision {
  if (mode === 'off') return { kind: 'none' };
  if (support.backend !== undefined && support.processLimit !== undefined) {
    return { kind: 'sandbox', backend: support.backend };
  }
  const problems = support.problems.length > 0 ? support.problems : ['no sandbox backend found'];
  if (mode === 'strict') {
    return {
      kind: 'refuse',
      reason: `no usable sandbox (--sandbox strict): ${problems[0]}`,
      details: [
        ...problems,
        'install bubblewrap (apt-get install bubblewrap), or run with --sandbox auto/off to accept the risk',
      ],
    };
  }
  return {
    kind: 'none',
    warning: `RUNNING SERVERS WITHOUT A SANDBOX: ${problems.join('; ')} (they see this machine's files, processes and network; --sandbox strict refuses instead)`,
  };
}

/** How a sandboxed process ended, with the tail of its stderr. */
export interface LaunchExit {
  code: number | null;
  signal: string | null;
  stderr: string;
}

/**
 * Name the resource limit a server that died ran into, when its exit says so: SIGXCPU (bubblewrap reports
 * it as 128+24) for CPU time, allocation failures for the address space, fork/EAGAIN failures for the
 * process count, EMFILE for open files, whichever the last such line of stderr names. Undefined when
 * nothing points at a limit.
 */
export function classifyLimitHit(exit: LaunchExit, limits: ResourceLimits): string | undefined {
  if (exit.signal === 'SIGXCPU' || exit.code === 152) {
    return `CPU time limit (${limits.cpuSeconds} s, RLIMIT_CPU)`;
  }
  const causes: [RegExp, string][] = [
    [
      /out of memory|allocation failed|Failed to allocate|ERR_MEMORY_ALLOCATION_FAILED|Cannot allocate memory|ENOMEM|bad_alloc/i,
      `address-space limit (${limits.addressSpaceMb} MiB, RLIMIT_AS)`,
    ],
    [
      /EAGAIN|Cannot fork|fork: retry|Resource temporarily unavailable|pthread_create/i,
      `process limit (${limits.processes} processes and threads)`,
    ],
    [/EMFILE|Too many open files/i, `open-files limit (${limits.openFiles}, RLIMIT_NOFILE)`],
  ];
  // The last words decide: earlier lines may mention a failure the server survived.
  const lines = exit.stderr.split('\n').reverse();
  for (const line of lines) {
    const hit = causes.find(([pattern]) => pattern.test(line));
    if (hit !== undefined) return hit[1];
  }
  return undefined;
}
