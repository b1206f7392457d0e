// The sandbox: the pure planning (views, bwrap/unshare command lines, mode decisions, limit names). The
// shells that probe the machine and launch servers live in ./io/ (import them from '../sandbox/io/index.js').
export {
  buildBwrapArgs,
  buildUnshareArgs,
  classifyLimitHit,
  decideSandbox,
  ETC_ENTRIES,
  isInside,
  type LaunchExit,
  type LaunchView,
  limitPrefix,
  type Mask,
  maskedWithin,
  type SandboxDecision,
  SYSTEM_DIRS,
  selectGrants,
} from './plan.js';
export {
  type Backend,
  DEFAULT_RESOURCE_LIMITS,
  DEFAULT_SANDBOX_SETTINGS,
  NETWORK_MODES,
  type NetworkMode,
  type ResourceLimits,
  SANDBOX_MODES,
  type SandboxMode,
  type SandboxSettings,
  type SandboxSupport,
} from './types.js';
