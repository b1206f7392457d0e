import { readFileSync } from 'node:fs';
import type { BenchResult } from './types.js';

/** Resident set size of a process, in MB, from /proc (Linux); NaN without a pid. */
export function rssMB(pid: number | null | undefined): number {
  if (!pid) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/**
 * RSS of a long-running process (proxy, gateway) under load, for the "bounded memory" figures. V8 sizes
 * its heap lazily: with room to spare a busy process's RSS keeps rising long after its live data stopped
 * growing, so the process runs with its old space capped (a leak ends in an out-of-memory crash long
 * before the end) and RSS is sampled after a 10k-call warm-up and after every further 10k calls; the
 * figure is the last sample against the first.
 */
export async function rssUnderLoad(options: {
  /** The process measured, started by the caller with --max-old-space-size=heapCapMB. */
  pid: number | null | undefined;
  heapCapMB: number;
  /** Serves `n` calls through the process. */
  load: (n: number) => Promise<unknown>;
  calls: number;
  /** What is measured: `capseal proxy`, `capseal gateway`. */
  what: string;
  note?: string;
}): Promise<BenchResult> {
  const STEP = 10_000;
  await options.load(STEP);
  const samples = [rssMB(options.pid)];
  for (let done = 0; done < options.calls; done += STEP) {
    await options.load(STEP);
    samples.push(rssMB(options.pid));
  }
  const first = samples[0] as number;
  const last = samples.at(-1) as number;
  return {
    name: `${options.what} RSS after ${options.calls.toLocaleString('en')} more calls (old space capped at ${options.heapCapMB} MB)`,
    unit: 'MB',
    value: last,
    baselineName: 'RSS after 10k-call warm-up',
    baseline: first,
    ratio: last / first,
    target: 'bounded: no growth with the number of calls',
    note: `samples every 10k calls: ${samples.map((v) => v.toFixed(0)).join(' ')} MB${options.note === undefined ? '' : `; ${options.note}`}`,
  };
}
