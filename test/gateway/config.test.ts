import { describe, expect, it } from 'vitest';
import { parseGatewayConfig, renderGatewayJsonSchema } from '../../src/gateway/index.js';

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
    expect(schema.required).toEqual(expect.arrayContaining(['gatewayVersion', 'lockfile', 'upstreams']));
  });
});
