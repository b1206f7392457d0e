import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { runLock } from '../../engine/index.js';
import { type LaunchPattern, type Lockfile, parseLockfile, serializeLockfile } from '../../lockfile/index.js';
import { matchesLaunchGlob } from '../../proxy/index.js';
import { CapsealError, createStreamLogger, errorMessage } from '../../shared/index.js';
import { describeArtifact, type ServerSpec } from '../../snapshot/index.js';
import { DEFAULT_LOCK } from '../args.js';
import type { Command } from '../io.js';
import { parseServerCommand, type ServerOptionValues, serverOptionUsage } from '../server-options.js';

interface LockValues extends ServerOptionValues {
  out?: string;
  'launch-pattern'?: string[];
}

export const lockCommand: Command = {
  summary: 'snapshot MCP servers into a lockfile (mcp-lock.json): definitions, digests, artifact pins',
  usage: [
    'capseal lock [--out FILE] (-- CMD [ARGS...] | --url URL | --config FILE) [options]',
    '',
    '  --out FILE              where to write the lockfile (default: mcp-lock.json, relative to the cwd)',
    '  --launch-pattern argN=GLOB | cwd=GLOB',
    '                          let the proxy also run this server with argument N (1 = the first after the',
    '                          command) or the working directory matching GLOB (picomatch; repeatable; one',
    '                          stdio server). Recorded in the lockfile: adding or changing it is critical drift',
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
      { out: { type: 'string' }, 'launch-pattern': { type: 'string', multiple: true } },
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
    const pattern = parseLaunchPatterns(values['launch-pattern'] ?? [], specs);
    const locked = await runLock(specs, {
      ...snapshot,
      logger,
      ...(keep === undefined ? {} : { keep }),
    });
    const { lock, text } =
      pattern === undefined ? locked : withLaunchPattern(locked.lock, pattern.server, pattern.launchPattern);
    for (const name of specs.map((s) => s.name)) {
      const before = keep?.servers[name]?.source;
      if (before?.transport === 'stdio' && before.launchPattern !== undefined && pattern === undefined)
        logger.warn(`the launch pattern of "${name}" was dropped; pass --launch-pattern again to keep it`);
    }
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

/**
 * `--launch-pattern argN=GLOB | cwd=GLOB` for the one stdio server being locked, checked before anything
 * starts: a position the command line does not have, a glob its own locked value does not match (a typo
 * would otherwise exempt some other path) or several servers are usage errors.
 */
function parseLaunchPatterns(
  flags: readonly string[],
  specs: readonly ServerSpec[],
): { server: string; launchPattern: LaunchPattern } | undefined {
  if (flags.length === 0) return undefined;
  const [spec, ...more] = specs;
  if (spec === undefined || more.length > 0)
    throw new CapsealError('USAGE', '--launch-pattern applies to one server: pick it with --server');
  if (spec.transport !== 'stdio')
    throw new CapsealError('USAGE', '--launch-pattern applies to a stdio server only (this one is a URL)');
  const args: Record<string, string> = {};
  let cwd: string | undefined;
  for (const flag of flags) {
    const m = /^(cwd|arg([1-9][0-9]*))=(.+)$/s.exec(flag);
    if (m === null)
      throw new CapsealError('USAGE', `--launch-pattern ${flag}: expected argN=GLOB or cwd=GLOB`);
    const [, key, position, glob] = m as unknown as [string, string, string | undefined, string];
    if (position === undefined) {
      if (spec.cwd !== undefined && !matchesLaunchGlob(spec.cwd, glob))
        throw new CapsealError(
          'USAGE',
          `--launch-pattern ${flag}: does not match the locked cwd ${spec.cwd}`,
        );
      cwd = glob;
      continue;
    }
    const value = spec.args[Number(position) - 1];
    if (value === undefined)
      throw new CapsealError(
        'USAGE',
        `--launch-pattern ${flag}: the command has ${spec.args.length} argument(s)`,
      );
    if (!matchesLaunchGlob(value, glob))
      throw new CapsealError(
        'USAGE',
        `--launch-pattern ${flag}: does not match the locked ${key} "${value}"`,
      );
    args[position] = glob;
  }
  return {
    server: spec.name,
    launchPattern: {
      ...(Object.keys(args).length > 0 ? { args } : {}),
      ...(cwd === undefined ? {} : { cwd }),
    },
  };
}

/** The lockfile with the pattern recorded on one server's source, written and read back as `lock` does. */
function withLaunchPattern(
  lock: Lockfile,
  server: string,
  launchPattern: LaunchPattern,
): { lock: Lockfile; text: string } {
  const entry = lock.servers[server];
  if (entry?.source.transport !== 'stdio')
    throw new CapsealError('INTERNAL', `lock: no stdio entry "${server}" for the launch pattern`);
  const servers = { ...lock.servers, [server]: { ...entry, source: { ...entry.source, launchPattern } } };
  const text = serializeLockfile({ ...lock, servers });
  return { lock: parseLockfile(text, 'the generated lockfile'), text };
}

/** The lockfile already at `path` (strictly parsed: an invalid one is an error, never overwritten), if any. */
function readExisting(path: string): Lockfile | undefined {
  if (!existsSync(path)) return undefined;
  return parseLockfile(readFileSync(path, 'utf8'), path);
}

function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}
