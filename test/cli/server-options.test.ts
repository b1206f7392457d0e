import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { sandboxSettingsFrom, serverInputFrom, snapshotOptionsFrom } from '../../src/cli/server-options.js';
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
    expect(snapshotOptionsFrom({ timeout: '500', network: 'deny' }, io)).toMatchObject({
      limits: { startupTimeoutMs: 500, totalTimeoutMs: 500 },
      sandbox: { mode: 'auto', network: 'denied' },
    });
  });

  it('reads --sandbox and --network, and rejects anything else', () => {
    expect(snapshotOptionsFrom({ sandbox: 'strict', network: 'allow' }, io).sandbox).toEqual({
      mode: 'strict',
      network: 'allowed',
    });
    // The proxy's default is what the lockfile recorded; --network overrides it.
    expect(sandboxSettingsFrom({}, { network: 'allowed' }).network).toBe('allowed');
    expect(sandboxSettingsFrom({ network: 'deny' }, { network: 'allowed' }).network).toBe('denied');
    expect(() => snapshotOptionsFrom({ sandbox: 'maybe' }, io)).toThrow(
      /--sandbox must be strict, auto or off/,
    );
    expect(() => snapshotOptionsFrom({ network: 'some' }, io)).toThrow(/--network must be deny or allow/);
  });
});

describe('serverInputFrom', () => {
  it('maps option values to a source, --transport sse to the SSE transport', () => {
    expect(
      serverInputFrom({ url: 'http://127.0.0.1/sse', transport: 'sse', server: 'x' }, undefined),
    ).toEqual({
      url: 'http://127.0.0.1/sse',
      transport: 'sse',
      name: 'x',
    });
    expect(() => serverInputFrom({ transport: 'websocket' }, undefined)).toThrow(/--transport must be/);
  });
});
