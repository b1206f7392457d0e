import { homedir } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { runInit } from '../../engine/index.js';
import { CapsealError, VERSION } from '../../shared/index.js';
import { parseCommandArgs } from '../args.js';
import type { CliIO, Command } from '../io.js';
import { sandboxSettingsFrom, snapshotOptionsFrom } from '../server-options.js';

interface InitValues {
  yes?: boolean;
  config?: string;
  out?: string;
  workflow?: string;
  sandbox?: string;
  network?: string;
  timeout?: string;
  'action-ref'?: string;
}

/** `uses:` of the workflow's capseal step: OWNER/REPO@REF, this release's tag unless given. */
function actionRef(value: string | undefined): string {
  if (value === undefined) return `capseal/capseal@v${VERSION}`;
  if (!/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[\w./-]+$/.test(value)) {
    throw new CapsealError(
      'USAGE',
      `--action-ref must be OWNER/REPO@REF, e.g. capseal/capseal@<full commit SHA> (got "${value}")`,
    );
  }
  return value;
}

/** Ask on the terminal which servers to lock (default yes for each). */
async function askServers(io: CliIO, config: string, servers: readonly string[]): Promise<string[]> {
  if (io.stdin === undefined || !(io.stdin as { isTTY?: boolean }).isTTY) {
    throw new CapsealError('USAGE', 'init asks which servers to lock: run it in a terminal, or pass --yes');
  }
  const rl = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream });
  try {
    const chosen: string[] = [];
    for (const name of servers) {
      const answer = (await rl.question(`lock "${name}" from ${config}? [Y/n] `)).trim().toLowerCase();
      if (answer === '' || answer === 'y' || answer === 'yes') chosen.push(name);
    }
    return chosen;
  } finally {
    rl.close();
  }
}

export const initCommand: Command = {
  summary: 'set a project up: find its MCP configs, lock their servers, write the drift-gate workflow',
  usage: [
    'capseal init [--yes] [--config FILE] [--out mcp-lock.json] [--workflow .github/workflows/capseal.yml]',
    '             [--sandbox strict|auto|off] [--network deny|allow] [--timeout MS] [--action-ref OWNER/REPO@REF]',
    '',
    "  Finds the project's MCP configs (.mcp.json, .vscode/mcp.json, .cursor/mcp.json) and the user's",
    "  (Claude Desktop's for this OS) and shows them; locks the chosen servers of the project's config into",
    '  the lockfile; writes a GitHub workflow that checks every pull request against it. Run it again and',
    '  nothing changes: an existing lockfile or workflow is never replaced.',
    '',
    '  --yes                   lock every server of the config without asking (for scripts)',
    '  --config FILE           the config to lock and gate (default: the first project config found)',
    '  --out FILE              the lockfile (default: mcp-lock.json)',
    '  --workflow FILE         the workflow (default: .github/workflows/capseal.yml)',
    "  --sandbox MODE          sandbox for the lock now (default auto) and the workflow's gate (default strict)",
    '  --network deny|allow    network for stdio servers, now and in the gate (default deny)',
    '  --timeout MS            total time allowed per server (default 60000)',
    "  --action-ref REF        the workflow's capseal step, OWNER/REPO@REF (default capseal/capseal@v<version>);",
    '                          give a full commit SHA: third-party actions are pinned that way already',
    '',
    'exit codes: 0 done · 2 usage, no project config or an invalid one · 3 a server failed',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseCommandArgs<InitValues>(
      'init',
      argv,
      {
        yes: { type: 'boolean', short: 'y' },
        config: { type: 'string' },
        out: { type: 'string' },
        workflow: { type: 'string' },
        sandbox: { type: 'string' },
        network: { type: 'string' },
        timeout: { type: 'string' },
        'action-ref': { type: 'string' },
      },
      { stderr: io.stderr },
    );
    const snapshot = snapshotOptionsFrom(values, io);
    const settings = sandboxSettingsFrom(values);
    const result = await runInit({
      projectDir: io.cwd,
      home: io.env.HOME ?? io.env.USERPROFILE ?? homedir(),
      platform: process.platform,
      env: io.env,
      ...(values.config === undefined ? {} : { config: values.config }),
      lockfile: values.out ?? 'mcp-lock.json',
      workflow: values.workflow ?? '.github/workflows/capseal.yml',
      choose: values.yes
        ? async (_config, servers) => [...servers]
        : (config, servers) => askServers(io, config.display, servers),
      snapshot,
      gate: {
        action: actionRef(values['action-ref']),
        sandbox: values.sandbox === undefined ? 'strict' : settings.mode,
        network: settings.network === 'allowed' ? 'allow' : 'deny',
      },
      say: (line) => io.stderr.write(`capseal: ${line}\n`),
    });
    const files = [result.lockfile.path, ...(result.workflow === undefined ? [] : [result.workflow.path])];
    io.stderr.write(
      `capseal: next: commit ${files.join(' and ')}; capseal check --lock ${result.lockfile.path} compares again\n`,
    );
    return 0;
  },
};
