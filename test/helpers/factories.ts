import {
  type Lockfile,
  type ServerEntry,
  sealEntry,
  sealServerInfo,
  type ToolEntry,
} from '../../src/lockfile/index.js';

type Body<T> = Omit<T, 'digest'>;

/** A tool entry with a correct digest. */
export function tool(name: string, body: Partial<Body<ToolEntry>> = {}): [string, ToolEntry] {
  return [
    name,
    sealEntry('tools', name, {
      description: `The ${name} tool`,
      inputSchema: { type: 'object', properties: {} },
      ...body,
    }) as ToolEntry,
  ];
}

/** A minimal, valid server entry with correct digests; override any part. */
export function serverEntry(
  overrides: Partial<Omit<ServerEntry, 'tools'>> & { tools?: [string, ToolEntry][] } = {},
): ServerEntry {
  const { tools, ...rest } = overrides;
  return {
    source: { transport: 'stdio', command: 'node', args: ['server.js'] },
    artifact: { kind: 'file', path: 'server.js', sha256: 'a'.repeat(64) },
    sandbox: { env: 'allow-list', home: 'temp', cwd: 'temp', network: 'allowed' },
    client: { name: 'capseal', protocolVersion: '2025-11-25', capabilities: {} },
    server: sealServerInfo({
      name: 'fixture',
      version: '1.0.0',
      protocolVersion: '2025-11-25',
      capabilities: { tools: {} },
    }),
    tools: Object.fromEntries(tools ?? [tool('echo')]),
    prompts: {},
    resources: {},
    resourceTemplates: {},
    ...rest,
  };
}

export function lockfile(servers: Record<string, ServerEntry> = { demo: serverEntry() }): Lockfile {
  return { lockfileVersion: 1, servers };
}
