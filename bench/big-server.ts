import { type Lockfile, type ServerEntry, sealServerInfo } from '../src/lockfile/index.js';

/**
 * The synthetic one-server lockfile the diff and policy benches measure: an npm-pinned "big" server with the
 * given (sealed) tools and nothing else.
 */
export function bigServerLock(
  tools: ServerEntry['tools'],
  options: { network: 'allowed' | 'denied'; instructions?: string },
): Lockfile {
  return {
    lockfileVersion: 1,
    servers: {
      big: {
        source: { transport: 'stdio', command: 'npx', args: ['-y', 'big-server@1.0.0'] },
        artifact: {
          kind: 'npm',
          name: 'big-server',
          version: '1.0.0',
          integrity: `sha512-${'A'.repeat(86)}==`,
        },
        sandbox: { env: 'allow-list', home: 'temp', cwd: 'temp', network: options.network },
        client: { name: 'capseal', protocolVersion: '2025-11-25', capabilities: {} },
        server: sealServerInfo({
          name: 'big',
          version: '1.0.0',
          protocolVersion: '2025-11-25',
          capabilities: { tools: {} },
          ...(options.instructions === undefined ? {} : { instructions: options.instructions }),
        }),
        tools,
        prompts: {},
        resources: {},
        resourceTemplates: {},
      },
    },
  };
}
