/**
 * One benchmark figure: a measured value next to a baseline measured in the same run, and the ratio the
 * issue names a target for. Benches report; they never assert timings.
 */
export interface BenchResult {
  name: string;
  unit: 'ms' | 'µs' | 'MB' | 'calls/s';
  value: number;
  baselineName: string;
  baseline: number;
  /** value / baseline; the target says which way is better (≤ for times and memory, ≥ for throughput). */
  ratio: number;
  target?: string;
  note?: string;
}
