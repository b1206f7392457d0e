import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { storeConfigSchema } from '../../../src/gateway/store/index.js';
import { REPO } from '../../helpers/cli.js';
import { HAPROXY_BIN, haproxyMissing, SHIPPED_HAPROXY_CFG } from '../../helpers/haproxy.js';

// The deploy/ examples users copy: every manifest parses and names itself, and the pieces fit together.
const K8S = join(REPO, 'deploy', 'k8s');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field below
  spec?: any;
  data?: Record<string, string>;
}

const manifests: { file: string; doc: Manifest }[] = readdirSync(K8S, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((d) => {
      expect(d.errors.map(String), file).toEqual([]);
      return { file, doc: d.toJS() as Manifest };
    }),
  );

function find(kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.doc.kind === kind && m.doc.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return found.doc;
}

describe('deploy/k8s', () => {
  it('holds the gateway, its Service, Ingress and config, and Redis', () => {
    expect(manifests.map((m) => `${m.doc.kind}/${m.doc.metadata.name}`).sort()).toEqual(
      expect.arrayContaining([
        'ConfigMap/capseal-gateway-config',
        'Deployment/capseal-gateway',
        'Deployment/capseal-redis',
        'Ingress/capseal-gateway',
        'Service/capseal-gateway',
        'Service/capseal-redis',
      ]),
    );
  });

  for (const { file, doc } of manifests) {
    it(`${file}: ${doc?.kind ?? '?'} ${doc?.metadata?.name ?? '?'} has apiVersion, kind and metadata.name`, () => {
      expect(typeof doc.apiVersion).toBe('string');
      expect(typeof doc.kind).toBe('string');
      expect(doc.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    });
  }

  it('probes the gateway: readiness on /readyz, liveness on /healthz, on the port it listens on', () => {
    const [container] = find('Deployment', 'capseal-gateway').spec.template.spec.containers;
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.ports[0].containerPort).toBe(8080);
  });

  it('selects the pods each Deployment labels', () => {
    for (const name of ['capseal-gateway', 'capseal-redis']) {
      const labels = find('Deployment', name).spec.template.metadata.labels;
      expect(labels).toMatchObject(find('Service', name).spec.selector);
      expect(labels).toMatchObject(find('Deployment', name).spec.selector.matchLabels);
    }
  });

  it('routes the Ingress by the Mcp-Session-Id header, never one replica for every stateless client', () => {
    const ingress = find('Ingress', 'capseal-gateway');
    expect(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/upstream-hash-by']).toBe(
      '$mcp_affinity_key',
    );
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe('capseal-gateway');
    const map = find('ConfigMap', 'ingress-nginx-controller').data?.['http-snippet'] ?? '';
    expect(map).toMatch(/map \$http_mcp_session_id \$mcp_affinity_key/);
    expect(map).toMatch(/""\s+\$request_id;/);
  });

  it('configures the gateway with a Redis store the store schema accepts, at the Redis Service', () => {
    const config = parseYaml(
      find('ConfigMap', 'capseal-gateway-config').data?.['capseal.gateway.yaml'] ?? '',
    );
    const store = storeConfigSchema.parse(config.store);
    expect(store).toMatchObject({ kind: 'redis', url: 'redis://capseal-redis:6379' });
    expect(config.listen).toMatchObject({ host: '0.0.0.0', port: 8080 });
    const redisPort = find('Service', 'capseal-redis').spec.ports[0].port;
    expect(redisPort).toBe(6379);
  });
});

describe.skipIf(haproxyMissing() !== undefined)('deploy/haproxy.cfg', () => {
  it('passes haproxy -c', () => {
    const result = spawnSync(HAPROXY_BIN, ['-c', '-f', SHIPPED_HAPROXY_CFG], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
  });

  it('balances round robin, sticks on Mcp-Session-Id learned from the response, checks /readyz', () => {
    const text = readFileSync(SHIPPED_HAPROXY_CFG, 'utf8');
    expect(text).toMatch(/^\s+balance roundrobin$/m);
    expect(text).toMatch(/^\s+stick on req\.hdr\(Mcp-Session-Id\)$/m);
    expect(text).toMatch(/^\s+stick store-response res\.hdr\(Mcp-Session-Id\)$/m);
    expect(text).toMatch(/^\s+http-check send meth GET uri \/readyz$/m);
  });
});
