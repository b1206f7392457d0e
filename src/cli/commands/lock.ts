import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { runLock } from '../../engine/index.js';
import { type Lockfile, parseLockfile } from '../../lockfile/index.js';
import { CapsealError, createStreamLogger, errorMessage } from '../../shared/index.js';
import { describeArtifact } from '../../snapshot/index.js';
import { DEFAULT_LOCK } from '../args.js';
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
    'With --config and --server, that server is re-locked and every other entry of the lockfile is kept.',
    'The same servers always give byte-identical lockfiles.',
    "exit codes: 0 written · 2 usage or invalid config · 3 a server failed (won't start, exits, times out, garbage)",
  ].join('\n'),
  async run(argv, io) {
    const { values, specs, snapshot } = await parseServerCommand<LockValues>(
      'lock',
      argv,
      io,
      { out: { type: 'string' } },
      (v) => dirname(resolve(io.cwd, v.out ?? DEFAULT_LOCK)),
    );
    const logger = createStreamLogger(io.stderr);
    const out = resolve(io.cwd, values.out ?? DEFAULT_LOCK);
    // Before any server is started: a lockfile that cannot be written is a usage error, not lost work.
    if (!existsSync(dirname(out))) {
      throw new CapsealError('USAGE', `--out ${values.out}: directory ${dirname(out)} does not exist`);
    }
    // One server of a config: its entry is replaced, every other entry of the lockfile stays.
    const keep = values.config !== undefined && values.server !== undefined ? readExisting(out) : undefined;
    const { lock, text } = await runLock(specs, {
      ...snapshot,
      logger,
      ...(keep === undefined ? {} : { keep }),
    });
    try {
      writeFileSync(out, text);
    } catch (error) {
      throw new CapsealError('INVALID_INPUT', `cannot write ${values.out ?? DEFAULT_LOCK}`, {
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

/** The lockfile already at `path` (strictly parsed: an invalid one is an error, never overwritten), if any. */
function readExisting(path: string): Lockfile | undefined {
  if (!existsSync(path)) return undefined;
  return parseLockfile(readFileSync(path, 'utf8'), path);
}

function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}
