/** How hard capseal insists on a sandbox: `strict` refuses to run without one, `auto` warns, `off` is explicit. */
export const SANDBOX_MODES = ['strict', 'auto', 'off'] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];

/** Whether a sandboxed server gets a network namespace of its own (denied) or the host's (allowed). */
export const NETWORK_MODES = ['denied', 'allowed'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

/** The tools that build the namespaces: bubblewrap when it works, util-linux unshare otherwise. */
export type Backend = 'bwrap' | 'unshare';

/**
 * Per-server resource limits (STYLE §11). Address space, open files and CPU time are rlimits set inside the
 * sandbox; the process count is an rlimit for an unprivileged caller and a cgroup `pids.max` for root (the
 * kernel does not apply RLIMIT_NPROC to uid 0).
 */
export interface ResourceLimits {
  /** RLIMIT_AS in MiB. Node itself needs a little over 1 GiB of address space. */
  addressSpaceMb: number;
  /** Processes and threads together (RLIMIT_NPROC, or pids.max). */
  processes: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
  /** RLIMIT_CPU in seconds of CPU time (not wall time). */
  cpuSeconds: number;
}

export const DEFAULT_RESOURCE_LIMITS: ResourceLimits = {
  addressSpaceMb: 3072,
  processes: 256,
  openFiles: 4096,
  cpuSeconds: 600,
};

/** What capseal found out about this machine, once per process (see probeSandbox). */
export interface SandboxSupport {
  /** The backend to use, when one works. */
  backend: Backend | undefined;
  /** One line per thing that is missing or broken, naming the setting or package. Empty when usable. */
  problems: string[];
  /** How the process count is bounded: rlimit (unprivileged caller) or a pids cgroup (root). */
  processLimit: 'rlimit' | 'cgroup' | undefined;
}

/** How one launch is to be sandboxed, as the command line or Action inputs said it. */
export interface SandboxSettings {
  mode: SandboxMode;
  network: NetworkMode;
  limits: ResourceLimits;
}

export const DEFAULT_SANDBOX_SETTINGS: SandboxSettings = {
  mode: 'auto',
  network: 'denied',
  limits: DEFAULT_RESOURCE_LIMITS,
};
