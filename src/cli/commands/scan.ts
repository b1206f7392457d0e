import { LOCKFILE_VERSION, type Lockfile, serializeLockfile } from '../../lockfile/index.js';
import { createStreamLogger } from '../../shared/index.js';
import { renderScanSummary } from '../../snapshot/index.js';
import { snapshotServers } from '../../snapshot/io/index.js';
import type { Command } from '../io.js';
import { parseServerCommand, type ServerOptionValues, serverOptionUsage } from '../server-options.js';

interface ScanValues extends ServerOptionValues {
  json?: boolean;
}

export const scanCommand: Command = {
  summary: 'start or reach MCP servers and print what they expose (tools, prompts, resources, templates)',
  usage: [
    'capseal scan [--json] (-- CMD [ARGS...] | --url URL | --config FILE) [options]',
    '',
    '  --json                  print the snapshot as lockfile JSON on stdout instead of a summary',
    serverOptionUsage,
    '',
    "exit codes: 0 done · 2 usage or invalid config · 3 a server failed (won't start, exits, times out, garbage)",
  ].join('\n'),
  async run(argv, io) {
    const { values, specs, snapshot } = await parseServerCommand<ScanValues>('scan', argv, io, {
      json: { type: 'boolean' },
    });
    const servers = await snapshotServers(specs, { ...snapshot, logger: createStreamLogger(io.stderr) });
    if (values.json) {
      const lock: Lockfile = { lockfileVersion: LOCKFILE_VERSION, servers };
      io.stdout.write(serializeLockfile(lock));
    } else {
      io.stdout.write(renderScanSummary(servers));
    }
    return 0;
  },
};
