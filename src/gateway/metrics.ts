/** Upstream latency histogram buckets, in seconds. */
const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${keys.map((k) => `${k}="${esc(labels[k] as string)}"`).join(',')}}`;
}

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/**
 * The gateway's counters and histograms, rendered as Prometheus text (version 0.0.4): requests by method
 * and generation, blocks by kind and upstream, upstream round-trip latency, upstream restarts, and the
 * upstream up/verified gauges. In memory, no I/O; the HTTP shell serves `render()` at /metrics.
 */
export class GatewayMetrics {
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly histograms = new Map<string, Histogram>();
  private readonly gauges = new Map<string, Map<string, number>>();

  private add(name: string, labels: Labels, by = 1): void {
    const series = this.counters.get(name) ?? new Map<string, number>();
    this.counters.set(name, series);
    const key = labelText(labels);
    series.set(key, (series.get(key) ?? 0) + by);
  }

  request(method: string, generation: 'legacy' | 'modern'): void {
    this.add('capseal_gateway_requests_total', { method, generation });
  }

  blocked(upstream: string, kind: string): void {
    this.add('capseal_gateway_blocks_total', { upstream, kind });
  }

  restarted(upstream: string): void {
    this.add('capseal_gateway_upstream_restarts_total', { upstream });
  }

  upstreamState(upstream: string, up: boolean, verified: boolean): void {
    for (const [name, v] of [
      ['capseal_gateway_upstream_up', up],
      ['capseal_gateway_upstream_verified', verified],
    ] as const) {
      const series = this.gauges.get(name) ?? new Map<string, number>();
      this.gauges.set(name, series);
      series.set(labelText({ upstream }), v ? 1 : 0);
    }
  }

  latency(upstream: string, method: string, seconds: number): void {
    const key = labelText({ upstream, method });
    const h = this.histograms.get(key) ?? { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
    this.histograms.set(key, h);
    for (let i = 0; i < BUCKETS.length; i++)
      if (seconds <= (BUCKETS[i] as number)) h.counts[i] = (h.counts[i] ?? 0) + 1;
    h.sum += seconds;
    h.count += 1;
  }

  /** A counter's value (tests). */
  value(name: string, labels: Labels): number {
    return this.counters.get(name)?.get(labelText(labels)) ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    const help: Record<string, [string, string]> = {
      capseal_gateway_requests_total: ['counter', 'Client requests by method and protocol generation.'],
      capseal_gateway_blocks_total: ['counter', 'Requests blocked, by upstream and block kind.'],
      capseal_gateway_upstream_restarts_total: ['counter', 'Restarts of supervised upstreams.'],
      capseal_gateway_upstream_up: ['gauge', 'Whether the upstream is connected.'],
      capseal_gateway_upstream_verified: ['gauge', 'Whether the upstream passed verification.'],
    };
    for (const [name, [type, text]] of Object.entries(help)) {
      lines.push(`# HELP ${name} ${text}`, `# TYPE ${name} ${type}`);
      const series = this.counters.get(name) ?? this.gauges.get(name);
      for (const [labels, v] of [...(series ?? new Map<string, number>())].sort())
        lines.push(`${name}${labels} ${v}`);
    }
    const h = 'capseal_gateway_upstream_latency_seconds';
    lines.push(`# HELP ${h} Upstream round-trip time of routed requests.`, `# TYPE ${h} histogram`);
    for (const [labels, hist] of [...this.histograms].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const inner = labels.slice(1, -1);
      BUCKETS.forEach((b, i) => {
        lines.push(`${h}_bucket{${inner},le="${b}"} ${hist.counts[i]}`);
      });
      lines.push(
        `${h}_bucket{${inner},le="+Inf"} ${hist.count}`,
        `${h}_sum${labels} ${hist.sum}`,
        `${h}_count${labels} ${hist.count}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
}
