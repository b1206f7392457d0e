// The shells of the sandbox: the machine probe, the one launcher, the download made outside the sandbox.
export { createPidsCgroup, type PidsCgroup } from './cgroup.js';
export {
  createPackageCache,
  type FetchedPackage,
  fetchNpmPackage,
  type PackageCache,
} from './fetch-package.js';
export {
  findLocalPackageDir,
  type LaunchOptions,
  type LaunchRequest,
  type PreparedLaunch,
  prepareLaunch,
  resolvePathArg,
  type SpawnPlan,
} from './launch.js';
export {
  apparmorProfile,
  apparmorRestrictsUserns,
  type ProbeOptions,
  probeSandbox,
  setupApparmorForBwrap,
} from './probe.js';
