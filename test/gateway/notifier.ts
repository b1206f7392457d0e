import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningGateway } from '../../src/gateway/io/index.js';
import { serializeLockfile } from '../../src/lockfile/index.js';
import { snapshotServer } from '../../src/snapshot/io/snapshot.js';
import { REPO } from '../helpers/v2-fixtures.js';
import { startGateway } from './helpers.js';

// Test helper (not a test file): a gateway in front of the notifier fixture alone (upstream `n`), with
// extra top-level config lines.
export async function startNotifierGateway(...extra: string[]): Promise<RunningGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'capseal-gateway-n-'));
  const entry = await snapshotServer(
    {
      name: 'n',
      transport: 'stdio',
      command: process.execPath,
      args: [join(REPO, 'fixtures/servers/notifier.mjs')],
      baseDir: REPO,
    },
    { sandbox: { mode: 'off' } },
  );
  await writeFile(
    join(dir, 'mcp-lock.json'),
    serializeLockfile({ lockfileVersion: 2, servers: { n: entry } }),
  );
  const config = join(dir, 'capseal.gateway.yaml');
  await writeFile(
    config,
    [
      'gatewayVersion: 1',
      'listen: { port: 0 }',
      'lockfile: mcp-lock.json',
      'sandbox: { mode: "off" }',
      ...extra,
      'upstreams:',
      '  n: {}',
    ].join('\n'),
  );
  return startGateway(config);
}
