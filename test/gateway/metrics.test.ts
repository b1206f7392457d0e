import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../src/gateway/index.js';

describe('GatewayMetrics', () => {
  it('renders counters, gauges and latency histograms as Prometheus text', () => {
    const m = new GatewayMetrics();
    m.request('tools/call', 'modern');
    m.request('tools/call', 'modern');
    m.blocked('fs', 'changed');
    m.restarted('fs');
    m.upstreamState('fs', true, false);
    m.latency('fs', 'tools/call', 0.003);
    const text = m.render();
    expect(text).toContain('capseal_gateway_requests_total{generation="modern",method="tools/call"} 2');
    expect(text).toContain('capseal_gateway_blocks_total{kind="changed",upstream="fs"} 1');
    expect(text).toContain('capseal_gateway_upstream_restarts_total{upstream="fs"} 1');
    expect(text).toContain('capseal_gateway_upstream_verified{upstream="fs"} 0');
    expect(text).toContain(
      'capseal_gateway_upstream_latency_seconds_bucket{method="tools/call",upstream="fs",le="0.001"} 0',
    );
    expect(text).toContain(
      'capseal_gateway_upstream_latency_seconds_bucket{method="tools/call",upstream="fs",le="0.005"} 1',
    );
    expect(text).toContain(
      'capseal_gateway_upstream_latency_seconds_count{method="tools/call",upstream="fs"} 1',
    );
    expect(text).toMatch(/# TYPE capseal_gateway_upstream_latency_seconds histogram/);
  });
});
