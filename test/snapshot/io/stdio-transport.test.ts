import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SandboxedStdioTransport } from '../../../src/snapshot/io/stdio-transport.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

describe('SandboxedStdioTransport', () => {
  it('kills the whole process group on close, grandchildren included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capseal-test-'));
    const script = join(dir, 'forker.mjs');
    // A "server" that starts a long-lived child (as npx → sh → node does) and reports its pid.
    writeFileSync(
      script,
      [
        "import { spawn } from 'node:child_process';",
        "const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' });",
        "process.stderr.write('grandchild ' + c.pid + '\\n');",
        'setInterval(() => {}, 1e9);',
      ].join('\n'),
    );
    const transport = new SandboxedStdioTransport(
      { command: process.execPath, args: [script], env: { PATH: process.env.PATH ?? '' }, cwd: dir },
      { maxLineBytes: 1024, stderrCapBytes: 1024 },
    );
    await transport.start();
    expect(await until(() => /grandchild \d+/.test(transport.stderrLines().join('\n')))).toBe(true);
    const grandchild = Number(/grandchild (\d+)/.exec(transport.stderrLines().join('\n'))?.[1]);
    const leader = transport.pid as number;
    expect(alive(grandchild)).toBe(true);
    await transport.close();
    expect(await until(() => !alive(leader) && !alive(grandchild))).toBe(true);
  });

  it('keeps only a capped tail of stderr', async () => {
    const transport = new SandboxedStdioTransport(
      {
        command: process.execPath,
        args: ['-e', "for (let i = 0; i < 2000; i++) process.stderr.write('line ' + i + '\\n')"],
        env: { PATH: process.env.PATH ?? '' },
        cwd: tmpdir(),
      },
      { maxLineBytes: 1024, stderrCapBytes: 200 },
    );
    let closed = false;
    transport.onclose = () => {
      closed = true;
    };
    await transport.start();
    expect(await until(() => closed)).toBe(true);
    const lines = transport.stderrLines();
    expect(lines.at(-1)).toBe('line 1999');
    expect(lines.join('\n').length).toBeLessThanOrEqual(200);
    expect(transport.failure).toEqual({ kind: 'exit', code: 0, signal: null });
  });
});
