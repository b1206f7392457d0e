import { runDiff } from '../../engine/index.js';
import { renderReport } from '../../report/index.js';
import { CapsealError, VERSION } from '../../shared/index.js';
import { jsonDepthFrom } from '../../snapshot/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../io.js';
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

export const diffCommand: Command = {
  summary: 'compare two lockfiles and report drift with severity',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs<{ 'fail-on'?: string; format?: string }>(
      'diff',
      argv,
      {
        'fail-on': { type: 'string' },
        format: { type: 'string' },
      },
      { stderr: io.stderr, maxPositionals: 2 },
    );
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
    const { report, newText } = await runDiff({
      oldPath,
      newPath,
      cwd: io.cwd,
      failOn,
      ...jsonDepthFrom(io.env),
    });
    io.stdout.write(
      renderReport(report, format, { color: wantsColor(io), lockText: newText, toolVersion: VERSION }),
    );
    return report.outcome === 'pass' ? 0 : 1;
  },
};
