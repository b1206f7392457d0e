import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { diffLocks } from '../../diff/diff-locks.js';
import { parseLockfile } from '../../lockfile/index.js';
import { compareKeys } from '../../lockfile/serialize.js';
import { buildReport, renderReport } from '../../report/index.js';
import { CapsealError } from '../../shared/errors.js';
import { parseLimitsEnv } from '../../snapshot/limits.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../io.js';
import { VERSION } from '../main.js';
import { parseReportOptions, reportOptionUsage, wantsColor } from './check.js';

const usage = [
  'capseal diff OLD NEW [--fail-on SEVERITY] [--format FORMAT]',
  '',
  reportOptionUsage,
  '',
  'Compare two lockfiles (no server is started). Both are fully validated first: a lockfile edited without',
  're-locking (digest mismatch) is refused, naming the entry. SARIF locations point into NEW.',
  '',
  'exit codes: 0 no drift at or above --fail-on · 1 drift at or above it · 2 usage, unreadable or invalid lockfile',
].join('\n');

function readLock(cwd: string, path: string): string {
  try {
    return readFileSync(resolve(cwd, path), 'utf8');
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `cannot read ${path}`, {
      details: [error instanceof Error ? error.message : String(error)],
    });
  }
}

export const diffCommand: Command = {
  summary: 'compare two lockfiles and report drift with severity',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs<{ 'fail-on'?: string; format?: string }>('diff', argv, {
      'fail-on': { type: 'string' },
      format: { type: 'string' },
    });
    if (positionals.length !== 2) {
      throw new CapsealError(
        'USAGE',
        `diff: expected two lockfiles, OLD and NEW (got ${positionals.length})`,
        {
          details: ['see: capseal diff --help'],
        },
      );
    }
    const [oldPath, newPath] = positionals as [string, string];
    const { failOn, format } = parseReportOptions(values);
    const oldText = readLock(io.cwd, oldPath);
    const newText = readLock(io.cwd, newPath);
    const { maxJsonDepth } = parseLimitsEnv(io.env);
    const depth = maxJsonDepth === undefined ? {} : { maxJsonDepth };
    const base = parseLockfile(oldText, oldPath, depth);
    // Entries identical to the (verified) base need not be hashed twice.
    const head = parseLockfile(newText, newPath, { verifiedBase: base, ...depth });
    const drifts = diffLocks(base, head);
    const servers = [...new Set([...Object.keys(base.servers), ...Object.keys(head.servers)])].sort(
      compareKeys,
    );
    const report = buildReport({ kind: 'diff', lockfile: newPath, base: oldPath, servers, drifts, failOn });
    io.stdout.write(
      renderReport(report, format, { color: wantsColor(io), lockText: newText, toolVersion: VERSION }),
    );
    return report.outcome === 'pass' ? 0 : 1;
  },
};
