import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..', '..');

/** A fast subset of the suite's server scenarios: handshake, tools, server→client requests, progress,
 * templated resources, completion and the DNS-rebinding probe (`npm run conformance` runs them all). */
const SUBSET = [
  'server-initialize',
  'tools-call-sampling',
  'tools-call-with-progress',
  'resources-templates-read',
  'completion-complete',
  'dns-rebinding-protection',
];

function runScript(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'scripts', 'conformance.mjs'), ...args], { cwd: REPO });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run conformance', () => {
  it('passes as many conformance checks through capseal proxy --listen and capseal gateway as directly', async () => {
    const { code, stdout, stderr } = await runScript(SUBSET.flatMap((s) => ['--scenario', s]));
    const direct = /^direct: (\d+) passed, (\d+) failed$/m.exec(stdout);
    const proxied = /^proxied: (\d+) passed, (\d+) failed$/m.exec(stdout);
    const gateway = /^gateway: (\d+) passed, (\d+) failed$/m.exec(stdout);
    expect(direct, stderr).not.toBeNull();
    expect(proxied, stderr).not.toBeNull();
    expect(gateway, stderr).not.toBeNull();
    expect(proxied?.slice(1)).toEqual(direct?.slice(1));
    expect(gateway?.slice(1)).toEqual(direct?.slice(1));
    expect(Number(direct?.[2])).toBe(0);
    expect(Number(direct?.[1])).toBeGreaterThanOrEqual(SUBSET.length);
    expect(code, stderr).toBe(0);
  }, 240_000);
});
