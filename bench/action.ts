import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from './types.js';

// The action's cold start: `node dist/action.js` from process start until it spawns the first server
// (it logs "capseal: snapshotting NAME…" right before the spawn), next to `node -e 0` on the same node
// binary in the same run. CAPSEAL_ACTION_JS runs another bundle (e.g. one built into a temp dir).
const REPO = join(import.meta.dirname, '..');
const RUNS = 9;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** ms from spawn until `marker` appears on stdout (or until exit, when marker is undefined). */
function timeUntil(args: string[], env: NodeJS.ProcessEnv, marker?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e6;
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let seen: number | undefined;
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (marker !== undefined && seen === undefined && out.includes(marker)) seen = elapsed();
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => {
      const total = elapsed();
      if (marker === undefined) return resolve(total);
      if (seen === undefined)
        return reject(new Error(`action exited ${code} without spawning a server:\n${out}`));
      resolve(seen);
    });
  });
}

export async function run(): Promise<BenchResult[]> {
  const actionJs = process.env.CAPSEAL_ACTION_JS ?? join(REPO, 'dist', 'action.js');
  if (!existsSync(actionJs)) throw new Error(`no bundle at ${actionJs} (run npm run build)`);
  const workspace = mkdtempSync(join(tmpdir(), 'capseal-bench-action-'));
  try {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: workspace,
      INPUT_MODE: 'lock',
      INPUT_LOCKFILE: 'mcp-lock.json',
      'INPUT_SERVER-COMMAND': JSON.stringify(['node', join(REPO, 'fixtures', 'servers', 'drifting.mjs')]),
    };
    // One warm-up each (file cache), then interleaved runs so drift in machine load hits both alike.
    await timeUntil(['-e', '0'], env);
    await timeUntil([actionJs], env, 'capseal: snapshotting');
    const action: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      bare.push(await timeUntil(['-e', '0'], env));
      action.push(await timeUntil([actionJs], env, 'capseal: snapshotting'));
    }
    const value = median(action);
    const baseline = median(bare);
    return [
      {
        name: 'action cold start to first server spawn',
        unit: 'ms',
        value,
        baselineName: 'node -e 0',
        baseline,
        ratio: value / baseline,
        note: `median of ${RUNS}; ${actionJs.startsWith(REPO) ? actionJs.slice(REPO.length + 1) : actionJs}`,
      },
    ];
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) {
  for (const r of await run()) {
    process.stdout.write(
      `${r.name}: ${r.value.toFixed(1)} ms vs ${r.baselineName} ${r.baseline.toFixed(1)} ms = ${r.ratio.toFixed(2)}× (${r.note})\n`,
    );
  }
}
