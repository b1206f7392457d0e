import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SEVERITIES, type Severity } from '../../diff/index.js';
import { prepareCheck, runCheck } from '../../engine/index.js';
import { REPORT_FORMATS, type ReportFormat, renderReport } from '../../report/index.js';
import { CapsealError, createStreamLogger, VERSION } from '../../shared/index.js';
import { jsonDepthFrom } from '../../snapshot/index.js';
import { DEFAULT_LOCK, parseChoice, parseCommandArgs } from '../args.js';
import type { CliIO, Command } from '../io.js';
import {
  type ServerOptionValues,
  serverInputFrom,
  serverOptionSpec,
  serverOptionUsage,
  snapshotOptionsFrom,
} from '../server-options.js';
import {
  type SignatureOptionValues,
  signatureOptionSpec,
  signatureOptionUsage,
  toVerifyLockOptions,
} from '../signature-options.js';

interface CheckValues extends ServerOptionValues, SignatureOptionValues {
  lock?: string;
  'fail-on'?: string;
  format?: string;
  policy?: string[];
}

/** Colors for text output only on a terminal, and never when NO_COLOR is set (no-color.org). */
export function wantsColor(io: CliIO): boolean {
  return io.stdout.isTTY === true && (io.env.NO_COLOR ?? '') === '';
}

/** --fail-on and --format, shared by check and diff. */
export function parseReportOptions(values: { 'fail-on'?: string; format?: string }): {
  failOn: Severity;
  format: ReportFormat;
} {
  return {
    failOn: parseChoice('fail-on', values['fail-on'], SEVERITIES, 'critical'),
    format: parseChoice('format', values.format, REPORT_FORMATS, 'text'),
  };
}

/** Usage lines for --fail-on and --format, shared by check and diff. */
export const reportOptionUsage = [
  '  --fail-on SEVERITY      critical | moderate | info: exit 1 when any drift is at or above it',
  '                          (default critical)',
  '  --format FORMAT         text | json | markdown | sarif (default text, colored on a terminal)',
].join('\n');

const usage = [
  'capseal check [--lock FILE] [-- CMD [ARGS...] | --url URL | --config FILE] [options]',
  '',
  'Snapshot the live server(s) and compare with the lockfile. Without a server source, each locked server is',
  'relaunched exactly as recorded in the lockfile (the usual CI form: capseal check --lock mcp-lock.json).',
  '',
  '  --lock FILE             the lockfile to check against (default: mcp-lock.json in the cwd, if there)',
  reportOptionUsage,
  '  --policy PACK_OR_FILE   a policy pack (baseline, strict, poisoning, read-only) or a YAML file, evaluated',
  '                          over the live surface and its drift; repeatable; error findings exit 1',
  serverOptionUsage,
  signatureOptionUsage,
  '',
  'exit codes: 0 no drift at or above --fail-on and no policy error · 1 drift or policy error, or a signature',
  'that does not verify · 2 usage, invalid or tampered lockfile, invalid pack · 3 a server failed',
].join('\n');

export const checkCommand: Command = {
  summary: 'snapshot live servers and report drift from the lockfile (and policy findings)',
  usage,
  async run(argv, io) {
    const { values, command } = parseCommandArgs<CheckValues>(
      'check',
      argv,
      {
        ...serverOptionSpec,
        ...signatureOptionSpec,
        lock: { type: 'string' },
        'fail-on': { type: 'string' },
        format: { type: 'string' },
        policy: { type: 'string', multiple: true },
      },
      { stderr: io.stderr },
    );
    // Like `capseal lock`, which writes ./mcp-lock.json by default, check reads it when --lock is not given.
    const lockPath = values.lock ?? (existsSync(resolve(io.cwd, DEFAULT_LOCK)) ? DEFAULT_LOCK : undefined);
    if (lockPath === undefined) {
      throw new CapsealError('USAGE', `check: --lock FILE is required (no ${DEFAULT_LOCK} here)`, {
        details: ['see: capseal check --help'],
      });
    }
    const { failOn, format } = parseReportOptions(values);
    const input = serverInputFrom(values, command);
    const given = input.command !== undefined || input.url !== undefined || input.config !== undefined;
    const snapshot = snapshotOptionsFrom(values, io);
    // Packs and the lockfile are validated (and the signature verified) before any server is started.
    const prepared = await prepareCheck({
      verify: { ...toVerifyLockOptions(lockPath, values, io.cwd), ...jsonDepthFrom(io.env) },
      policies: values.policy ?? [],
      cwd: io.cwd,
      env: io.env,
      // --config paths are recorded relative to the lockfile's directory.
      ...(given ? { source: { ...input, lockDir: dirname(resolve(io.cwd, lockPath)) } } : {}),
      notice: (line) => io.stderr.write(`capseal: ${line}\n`),
    });
    const report = await runCheck(prepared, {
      lockPath,
      failOn,
      snapshot,
      logger: createStreamLogger(io.stderr),
    });
    const text = prepared.lockText;
    io.stdout.write(
      renderReport(report, format, { color: wantsColor(io), lockText: text, toolVersion: VERSION }),
    );
    return report.outcome === 'pass' ? 0 : 1;
  },
};
