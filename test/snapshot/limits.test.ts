import { describe, expect, it } from 'vitest';
import { parseLimitsEnv } from '../../src/snapshot/limits.js';

describe('parseLimitsEnv', () => {
  it('reads the CAPSEAL_* limits', () => {
    expect(
      parseLimitsEnv({
        CAPSEAL_STARTUP_TIMEOUT_MS: '500',
        CAPSEAL_TOTAL_TIMEOUT_MS: '900',
        CAPSEAL_PAGE_CAP: '3',
      }),
    ).toEqual({ startupTimeoutMs: 500, totalTimeoutMs: 900, pageCap: 3 });
  });

  it('lists every bad value', () => {
    expect(() => parseLimitsEnv({ CAPSEAL_PAGE_CAP: '0', CAPSEAL_OUTPUT_CAP_BYTES: 'lots' })).toThrow(
      expect.objectContaining({
        code: 'USAGE',
        details: [expect.stringMatching(/PAGE_CAP/), expect.stringMatching(/OUTPUT_CAP/)],
      }),
    );
  });
});
