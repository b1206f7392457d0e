import { join } from 'node:path';
import type { RunningGateway } from '../../src/gateway/io/index.js';
import { snapshotServer } from '../../src/snapshot/io/snapshot.js';
import { REPO } from '../helpers/v2-fixtures.js';
import { startGateway, writeGatewayDir } from './helpers.js';

// Test helper (not a test file): a gateway in front of the notifier fixture alone (upstream `n`), with
// extra top-level config lines.
export async function startNotifierGateway(...extra: string[]): Promise<RunningGateway> {
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
  const config = await writeGatewayDir('capseal-gateway-n-', { n: entry }, [
    'sandbox: { mode: "off" }',
    ...extra,
  ]);
  return startGateway(config);
}
