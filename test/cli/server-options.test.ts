import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { serverInputFrom, snapshotOptionsFrom } from '../../src/cli/server-options.js';
import { REPO } from '../helpers/cli.js';

const io: CliIO = {
  stdout: { write: () => true },
  stderr: { write: () => true },
  env: { CAPSEAL_STARTUP_TIMEOUT_MS: '700' },
  cwd: REPO,
};

describe('snapshotOptionsFrom', () => {
  it('reads limits from the environment; --timeout caps the total and the startup', () => {
    expect(snapshotOptionsFrom({}, io).limits).toEqual({ startupTimeoutMs: 700 });
    expect(snapshotOptionsFrom({ timeout: '500', 'deny-network': true }, io)).toMatchObject({
      limits: { startupTimeoutMs: 500, totalTimeoutMs: 500 },
      denyNetwork: true,
    });
  });
});

describe('serverInputFrom', () => {
  it('maps option values to a source, --sse to the SSE transport', () => {
    expect(serverInputFrom({ url: 'http://127.0.0.1/sse', sse: true, name: 'x' }, undefined)).toEqual({
      url: 'http://127.0.0.1/sse',
      transport: 'sse',
      name: 'x',
    });
    expect(() => serverInputFrom({ transport: 'websocket' }, undefined)).toThrow(/--transport must be/);
  });
});
