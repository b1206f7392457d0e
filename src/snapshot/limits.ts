import { CapsealError, MAX_JSON_DEPTH_CEILING } from '../shared/index.js';
import type { SnapshotLimits } from './types.js';

const ENV_LIMITS: Record<string, keyof SnapshotLimits> = {
  CAPSEAL_STARTUP_TIMEOUT_MS: 'startupTimeoutMs',
  CAPSEAL_TOTAL_TIMEOUT_MS: 'totalTimeoutMs',
  CAPSEAL_PAGE_CAP: 'pageCap',
  CAPSEAL_OUTPUT_CAP_BYTES: 'outputCapBytes',
  CAPSEAL_MAX_JSON_DEPTH: 'maxJsonDepth',
};

/**
 * Snapshot limits set through the environment (CAPSEAL_STARTUP_TIMEOUT_MS, CAPSEAL_TOTAL_TIMEOUT_MS,
 * CAPSEAL_PAGE_CAP, CAPSEAL_OUTPUT_CAP_BYTES, CAPSEAL_MAX_JSON_DEPTH). Each must be a positive integer
 * (the depth at most MAX_JSON_DEPTH_CEILING); anything else is a USAGE
 * error listing every bad variable. Pure: the caller passes the environment.
 */
export function parseLimitsEnv(env: Readonly<Record<string, string | undefined>>): Partial<SnapshotLimits> {
  const out: Partial<SnapshotLimits> = {};
  const problems: string[] = [];
  for (const [variable, key] of Object.entries(ENV_LIMITS)) {
    const text = env[variable];
    if (text === undefined || text === '') continue;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value <= 0)
      problems.push(`${variable}: must be a positive integer (got "${text}")`);
    else if (key === 'maxJsonDepth' && value > MAX_JSON_DEPTH_CEILING)
      problems.push(`${variable}: must be at most ${MAX_JSON_DEPTH_CEILING} (got "${text}")`);
    else out[key] = value;
  }
  if (problems.length > 0)
    throw new CapsealError('USAGE', 'invalid snapshot limits in the environment', { details: problems });
  return out;
}

/** `{ maxJsonDepth }` when CAPSEAL_MAX_JSON_DEPTH is set (validated as parseLimitsEnv does), else `{}`. */
export function jsonDepthFrom(env: Readonly<Record<string, string | undefined>>): { maxJsonDepth?: number } {
  const { maxJsonDepth } = parseLimitsEnv(env);
  return maxJsonDepth === undefined ? {} : { maxJsonDepth };
}
