import { resolve } from 'node:path';
import { preparePreflight, runPolicyCheck } from '../../engine/index.js';
import { describeFunctions, renderPolicyInputJsonSchema } from '../../policy/index.js';
import { REPORT_FORMATS, renderReport } from '../../report/index.js';
import { CapsealError, VERSION } from '../../shared/index.js';
import { parseChoice, parseCommandArgs } from '../args.js';
import type { Command } from '../io.js';
import { wantsColor } from './check.js';

const usage = [
  'capseal policy check --lock FILE --policy PACK_OR_FILE [--policy …] [--format text|json|markdown|sarif]',
  'capseal policy schema      print the JSON Schema of the policy input (what rules can read)',
  'capseal policy functions   list the custom CEL functions',
  '',
  'Evaluate CEL policy packs over a lockfile. PACK is a shipped pack (baseline, strict, poisoning,',
  'read-only) or a path to a pack YAML file. A pack with a syntax or type error is refused before',
  'anything is evaluated. Rules that fail to evaluate count as violations (fail closed).',
  '',
  'exit codes: 0 no error-level violation · 1 an error-level violation · 2 usage, invalid pack or lockfile',
].join('\n');

export const policyCommand: Command = {
  summary: 'evaluate CEL policy packs over a lockfile',
  usage,
  subcommands: ['check', 'schema', 'functions'],
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'schema' || sub === 'functions') parseCommandArgs(`policy ${sub}`, rest, {});
    if (sub === 'schema') {
      io.stdout.write(renderPolicyInputJsonSchema());
      return 0;
    }
    if (sub === 'functions') {
      io.stdout.write(
        describeFunctions()
          .map((f) => `${f.signature}\n    ${f.description}\n`)
          .join(''),
      );
      return 0;
    }
    if (sub?.startsWith('-')) {
      throw new CapsealError('USAGE', `policy: unknown option ${sub} (a subcommand comes first)`, {
        details: ['see: capseal policy --help'],
      });
    }
    if (sub !== 'check') {
      throw new CapsealError(
        'USAGE',
        `policy: expected a subcommand: check, schema or functions (got ${sub ?? 'none'})`,
        {
          details: ['see: capseal policy --help'],
        },
      );
    }
    const { values } = parseCommandArgs<{ lock?: string; policy?: string[]; format?: string }>(
      'policy check',
      rest,
      {
        lock: { type: 'string' },
        policy: { type: 'string', multiple: true },
        format: { type: 'string' },
      },
      { stderr: io.stderr },
    );
    if (values.lock === undefined) {
      throw new CapsealError('USAGE', 'policy check: --lock FILE is required', {
        details: ['see: capseal policy --help'],
      });
    }
    const format = parseChoice('format', values.format, REPORT_FORMATS, 'text');
    const policies = values.policy ?? [];
    if (policies.length === 0) {
      throw new CapsealError('USAGE', 'policy check: at least one --policy is required', {
        details: ['shipped packs: baseline, strict, poisoning, read-only; or a path to a pack YAML file'],
      });
    }
    const { lock, lockText, policy } = await preparePreflight({
      verify: { path: resolve(io.cwd, values.lock) },
      policies,
      cwd: io.cwd,
    });
    if (policy === undefined) throw new CapsealError('INTERNAL', 'policy check: no policy compiled');
    const report = runPolicyCheck({ lockPath: values.lock, lock, policy });
    io.stdout.write(renderReport(report, format, { color: wantsColor(io), lockText, toolVersion: VERSION }));
    return report.outcome === 'pass' ? 0 : 1;
  },
};
