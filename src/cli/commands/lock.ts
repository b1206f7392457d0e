import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { runLock } from '../../engine/lock.js';
import { CapsealError, errorMessage } from '../../shared/errors.js';
import { createStreamLogger } from '../../shared/logger.js';
import { describeArtifact } from '../../snapshot/summary.js';
import type { Command } from '../io.js';
import { parseServerCommand, type ServerOptionValues, serverOptionUsage } from '../server-options.js';

interface LockValues extends ServerOptionValues {
  out?: string;
}

export const lockCommand: Command = {
  summary: 'snapshot MCP servers into a lockfile (mcp-lock.json): definitions, digests, artifact pins',
  usage: [
    'capseal lock [--out FILE] (-- CMD [ARGS...] | --url URL | --config FILE) [options]',
    '',
    '  --out FILE              where to write the lockfile (default: mcp-lock.json, relative to the cwd)',
    serverOptionUsage,
    '',
    'The same servers always give byte-identical lockfiles.',
    "exit codes: 0 written · 2 usage or invalid config · 3 a server failed (won't start, exits, times out, garbage)",
  ].join('\n'),
  async run(argv, io) {
    const { values, specs, snapshot } = await parseServerCommand<LockValues>(
      'lock',
      argv,
      io,
      { out: { type: 'string' } },
      (v) => dirname(resolve(io.cwd, v.out ?? 'mcp-lock.json')),
    );
    const logger = createStreamLogger(io.stderr);
    const { lock, text } = await runLock(specs, { ...snapshot, logger });
    const out = resolve(io.cwd, values.out ?? 'mcp-lock.json');
    try {
      writeFileSync(out, text);
    } catch (error) {
      throw new CapsealError('INVALID_INPUT', `cannot write ${values.out ?? 'mcp-lock.json'}`, {
        details: [errorMessage(error)],
      });
    }
    for (const [name, entry] of Object.entries(lock.servers)) {
      const counts = [
        `${Object.keys(entry.tools).length} tools`,
        `${Object.keys(entry.prompts).length} prompts`,
        `${Object.keys(entry.resources).length} resources`,
        `${Object.keys(entry.resourceTemplates).length} templates`,
      ].join(', ');
      io.stderr.write(`  ${name}: ${counts}; ${describeArtifact(entry.artifact)}\n`);
    }
    io.stderr.write(
      `capseal: wrote ${displayPath(io.cwd, out)} (${Object.keys(lock.servers).length} server(s))\n`,
    );
    return 0;
  },
};

function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}
