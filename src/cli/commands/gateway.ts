import { resolve } from 'node:path';
import { checkGatewayConfig, prepareGateway } from '../../engine/index.js';
import { renderGatewayJsonSchema } from '../../gateway/index.js';
import { runGateway } from '../../gateway/io/index.js';
import { CapsealError, createStreamLogger, type Logger } from '../../shared/index.js';
import { parseCommandArgs } from '../args.js';
import type { CliIO, Command } from '../io.js';

interface GatewayValues {
  config?: string;
  quiet?: boolean;
  help?: boolean;
}

const OPTIONS = {
  config: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const USAGE = [
  'capseal gateway --config capseal.gateway.yaml [--quiet]',
  '       capseal gateway check --config capseal.gateway.yaml',
  '       capseal gateway schema',
  '',
  'Serves every upstream of the config (locked servers of one lockfile) behind one Streamable HTTP endpoint',
  "for 2025 (sessions) and 2026-07-28 (stateless) clients, each upstream enforced by the proxy's decision core.",
  'Names are namespaced <upstream><separator><name>; /healthz, /readyz and /metrics serve operations.',
  'SIGHUP reloads the config (a bad one is rejected, the running one keeps serving); SIGTERM drains and stops.',
  '`check` validates a config offline: exit 2 listing every problem by path. `schema` prints its JSON Schema.',
  'Exit: 0 stopped by signal · 1 signature/artifact check failed (nothing started) · 2 usage/invalid config.',
].join('\n');

export const gatewayCommand: Command = {
  summary: 'serve many locked servers behind one Streamable HTTP endpoint',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'schema') {
      io.stdout.write(renderGatewayJsonSchema());
      return 0;
    }
    const isCheck = sub === 'check';
    const { values, positionals } = parseCommandArgs<GatewayValues>(
      'gateway',
      isCheck ? rest : argv,
      OPTIONS,
    );
    if (values.help === true) {
      io.stdout.write(`usage: ${USAGE}\n`);
      return 0;
    }
    if (positionals.length > 0)
      throw new CapsealError('USAGE', `gateway: unexpected argument "${positionals[0]}"`, {
        details: ['see: capseal gateway --help'],
      });
    if (values.config === undefined) throw new CapsealError('USAGE', 'gateway: --config FILE is required');
    const configPath = resolve(io.cwd, values.config);
    if (isCheck) return check(configPath, io);
    const logger = prefixed(createStreamLogger(io.stderr), values.quiet === true);
    const prepare = () => prepareGateway({ configPath, env: io.env, logger });
    const prepared = await prepare();
    const gateway = await runGateway({ prepare, prepared, env: io.env, logger });
    io.stderr.write(`capseal gateway: listening on ${gateway.url}\n`);
    const onHup = () => void gateway.reload();
    process.on('SIGHUP', onHup);
    await new Promise<void>((done) => {
      const stop = () => done();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    process.off('SIGHUP', onHup);
    logger.info('draining');
    await gateway.close();
    return 0;
  },
};

async function check(configPath: string, io: CliIO): Promise<number> {
  const problems = await checkGatewayConfig(configPath);
  if (problems.length === 0) {
    io.stdout.write(`${configPath}: valid\n`);
    return 0;
  }
  io.stderr.write(
    `${configPath}: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}\n`).join('')}`,
  );
  return 2;
}

function prefixed(inner: Logger, quiet: boolean): Logger {
  return {
    info: (m) => {
      if (!quiet) inner.info(`capseal gateway: ${m}`);
    },
    warn: (m) => inner.info(`capseal gateway: warning: ${m}`),
    debug: (m) => inner.debug(`capseal gateway: ${m}`),
  };
}
