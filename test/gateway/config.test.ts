import { describe, expect, it } from 'vitest';
import { parseGatewayConfig, renderGatewayJsonSchema, unprefixedUpstream } from '../../src/gateway/index.js';

const minimal = 'gatewayVersion: 1\nlockfile: mcp-lock.json\nupstreams:\n  fs: {}\n';

describe('parseGatewayConfig', () => {
  it('fills the defaults of a minimal config', () => {
    const parsed = parseGatewayConfig(minimal);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.config).toMatchObject({
      listen: { host: '127.0.0.1', port: 8080, path: '/mcp', allowHosts: [] },
      mode: 'enforce',
      separator: '__',
      pageSize: 100,
      sandbox: { mode: 'auto' },
      sessions: { idleMs: 1_800_000 },
      upstreams: { fs: { required: true } },
    });
  });

  it('lists every problem by path, not just the first', () => {
    const parsed = parseGatewayConfig(
      [
        'gatewayVersion: 2',
        'lockfile: ""',
        'separator: "::"',
        'mode: loud',
        'listen: { port: 70000, host: 0.0.0.0 }',
        'upstreams:',
        '  "bad name": {}',
        '  web: { url: "http://127.0.0.1:1/mcp", command: [node], env: [X] }',
        '  fs: { tools: { allow: [""] }, extra: 1 }',
      ].join('\n'),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const text = parsed.problems.join('\n');
    for (const path of ['gatewayVersion', 'lockfile', 'separator', 'mode', 'listen.port', 'upstreams.fs'])
      expect(text).toContain(`${path}`);
    expect(text).toMatch(/bad name/);
  });

  it('checks cross-field rules once the schema holds', () => {
    const parsed = parseGatewayConfig(
      [
        'gatewayVersion: 1',
        'lockfile: l.json',
        'listen: { host: 0.0.0.0 }',
        'upstreams:',
        '  web: { url: "http://127.0.0.1:1/mcp", command: [node], env: [X] }',
        '  fs: { headers: { A: b } }',
      ].join('\n'),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([
      'upstreams.web.url: give either command or url, not both',
      'upstreams.web.env: env applies to a stdio upstream',
      'upstreams.fs.headers: headers and transport apply to an upstream reached by url',
      'listen.allowHosts: a wildcard bind needs the Host names clients use',
    ]);
  });

  describe('unprefixed', () => {
    const withUpstreams = (...lines: string[]) =>
      parseGatewayConfig(['gatewayVersion: 1', 'lockfile: l.json', 'upstreams:', ...lines].join('\n'));

    it('is off by default and names the one unprefixed upstream when set', () => {
      const off = parseGatewayConfig(minimal);
      expect(off.ok && off.config.upstreams.fs?.unprefixed).toBe(false);
      expect(off.ok && unprefixedUpstream(off.config)).toBeUndefined();
      const on = withUpstreams('  fs: {}', '  target: { unprefixed: true }');
      expect(on.ok && unprefixedUpstream(on.config)).toBe('target');
    });

    it('allows at most one unprefixed upstream', () => {
      const parsed = withUpstreams('  a: { unprefixed: true }', '  b: { unprefixed: true }', '  c: {}');
      expect(parsed.ok).toBe(false);
      if (parsed.ok) return;
      expect(parsed.problems).toEqual([
        'upstreams.b.unprefixed: at most one upstream may be unprefixed (a already is)',
      ]);
    });

    it('is a boolean', () => {
      const parsed = withUpstreams('  a: { unprefixed: "yes" }');
      expect(parsed.ok).toBe(false);
      if (parsed.ok) return;
      expect(parsed.problems.join('\n')).toMatch(/upstreams\.a\.unprefixed/);
    });

    it('needs no room for a prefix: a 64-character name with a long separator is fine unprefixed', () => {
      const name = 'n'.repeat(64);
      const sep = (u: string) =>
        parseGatewayConfig(
          ['gatewayVersion: 1', 'lockfile: l.json', `separator: "${'_'.repeat(8)}"`, 'upstreams:', u].join(
            '\n',
          ),
        ).ok;
      expect(sep(`  ${name}: { unprefixed: true }`)).toBe(true);
    });
  });

  it('refuses YAML that does not parse, and an empty document', () => {
    expect(parseGatewayConfig('a: [').ok).toBe(false);
    expect(parseGatewayConfig('').ok).toBe(false);
  });
});

describe('renderGatewayJsonSchema', () => {
  it('is generated from the zod schema, with the field docs', () => {
    const schema = JSON.parse(renderGatewayJsonSchema()) as Record<string, unknown>;
    expect(schema).toMatchObject({ $id: 'https://capseal.dev/gateway.schema.json', type: 'object' });
    expect(JSON.stringify(schema)).toContain('Between the upstream name and an entry name');
    expect(JSON.stringify(schema)).toContain('Expose this upstream under its own names');
    expect(schema.required).toEqual(expect.arrayContaining(['gatewayVersion', 'lockfile', 'upstreams']));
  });
});
