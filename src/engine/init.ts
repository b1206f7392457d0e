import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CapsealError } from '../shared/index.js';
import type { ServerSpec } from '../snapshot/index.js';
import { parseHostConfig } from '../snapshot/index.js';
import type { SnapshotOptions } from '../snapshot/io/index.js';
import { runLock } from './lock.js';

/** Project configs `capseal init` looks for, in the order it prefers them for the drift gate. */
export const PROJECT_CONFIGS = ['.mcp.json', '.vscode/mcp.json', '.cursor/mcp.json'] as const;

/** Where the user's own host configs live on this OS (Claude Desktop's). Pure. */
export function userConfigPaths(
  platform: NodeJS.Platform,
  home: string,
  env: Readonly<Record<string, string | undefined>>,
): { host: string; path: string }[] {
  const desktop =
    platform === 'darwin'
      ? join(home, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json')
      : platform === 'win32'
        ? join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Claude', 'claude_desktop_config.json')
        : join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Claude', 'claude_desktop_config.json');
  return [{ host: 'Claude Desktop', path: desktop }];
}

/** The actions the drift-gate workflow uses besides capseal, pinned by full commit SHA (tag in the comment). */
export const PINNED_ACTIONS = {
  checkout: 'actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0',
  setupNode: 'actions/setup-node@a0853c24544627f65ddf259abe73b1d18a591444 # v5',
} as const;

export interface DriftGateOptions {
  config: string;
  lockfile: string;
  /** `uses:` of the capseal step, OWNER/REPO@REF (a full commit SHA is safest). */
  action: string;
  /** The Action's sandbox input (default strict). */
  sandbox?: 'strict' | 'auto' | 'off';
  /** The Action's network input: what the servers were locked with (default deny). */
  network?: 'deny' | 'allow';
}

/**
 * The drift-gate workflow `capseal init` writes: every pull request is checked against the lockfile and
 * fails on critical drift (docs/action.md). Third-party actions are pinned by full commit SHA and the
 * checkout keeps no credentials. Pure and deterministic, so a second init finds it unchanged.
 */
export function renderDriftGateWorkflow(options: DriftGateOptions): string {
  const quote = (s: string) => (/^[\w./-]+$/.test(s) ? s : JSON.stringify(s));
  const pinned = /@[0-9a-f]{40}$/.test(options.action);
  return [
    '# Written by `capseal init`: check every pull request against the committed MCP lockfile.',
    '# Every input and output: docs/action.md in the capseal repository.',
    'name: capseal',
    'on:',
    '  pull_request:',
    'permissions:',
    '  contents: read',
    '  pull-requests: write # post the review; without it capseal falls back to the job summary',
    'jobs:',
    '  capseal:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    `      - uses: ${PINNED_ACTIONS.checkout}`,
    '        with:',
    '          persist-credentials: false',
    `      - uses: ${PINNED_ACTIONS.setupNode}`,
    '        with:',
    '          node-version: 24',
    ...(pinned
      ? []
      : [
          '      # Pin the capseal release you reviewed by its full commit SHA (capseal init --action-ref OWNER/REPO@SHA).',
        ]),
    `      - uses: ${options.action}`,
    '        with:',
    `          config: ${quote(options.config)}`,
    `          lockfile: ${quote(options.lockfile)}`,
    '          fail-on: critical',
    `          sandbox: ${options.sandbox ?? 'strict'}`,
    `          network: ${options.network ?? 'deny'}`,
    '          policy: |',
    '            baseline',
    '            poisoning',
    '',
  ].join('\n');
}

export interface FoundConfig {
  /** As shown to the user: relative to the project for project configs, absolute otherwise. */
  display: string;
  path: string;
  scope: 'project' | 'user';
  host: string;
  /** Server names, or why the file could not be read. */
  servers: string[] | { error: string };
}

export interface InitOptions {
  projectDir: string;
  home: string;
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  /** A config to use instead of the first project config found. */
  config?: string;
  /** Lockfile path, relative to the project (default mcp-lock.json). */
  lockfile: string;
  /** Workflow path, relative to the project (default .github/workflows/capseal.yml). */
  workflow: string;
  /** The workflow's capseal step: `uses:` and the sandbox and network it checks with. */
  gate: Omit<DriftGateOptions, 'config' | 'lockfile'>;
  /** Which servers of the gate's config to lock (all of them with --yes). */
  choose(config: FoundConfig, servers: readonly string[]): Promise<string[]>;
  snapshot: SnapshotOptions;
  /** One line for the user (stderr). */
  say(line: string): void;
}

export type FileOutcome = 'written' | 'unchanged' | 'kept';

export interface InitResult {
  found: FoundConfig[];
  config?: string;
  lockfile: { path: string; outcome: FileOutcome; servers: string[] };
  workflow?: { path: string; outcome: FileOutcome };
}

const posix = (p: string) => p.split(sep).join('/');

function readConfig(path: string, display: string, options: InitOptions): ServerSpec[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `cannot read ${display}`, {
      details: [error instanceof Error ? error.message : String(error)],
    });
  }
  const host = parseHostConfig(text, {
    origin: display,
    env: options.env,
    configDir: dirname(path),
    lockDir: dirname(resolve(options.projectDir, options.lockfile)),
    exists: existsSync,
  });
  for (const note of host.notes) options.say(note);
  return host.specs;
}

function inspect(path: string, display: string, scope: FoundConfig['scope'], host: string, o: InitOptions) {
  let servers: FoundConfig['servers'];
  try {
    servers = readConfig(path, display, { ...o, say: () => {} }).map((s) => s.name);
  } catch (error) {
    servers = {
      error: error instanceof CapsealError ? [error.message, ...error.details].join('; ') : String(error),
    };
  }
  return { display, path, scope, host, servers } satisfies FoundConfig;
}

/** Write `text` unless the file holds it already; an existing different file is kept, never replaced. */
function place(path: string, text: string): FileOutcome {
  if (existsSync(path)) return readFileSync(path, 'utf8') === text ? 'unchanged' : 'kept';
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return 'written';
}

/**
 * `capseal init`: find the MCP configs the project and the user already have, show them, lock the chosen
 * servers of the project's config into the lockfile and write the drift-gate workflow. Idempotent: an
 * existing lockfile or workflow is never replaced (a second run changes nothing); refreshing a lockfile is
 * `capseal lock`'s job, after review.
 */
export async function runInit(options: InitOptions): Promise<InitResult> {
  const { projectDir, say } = options;
  const found: FoundConfig[] = [];
  for (const name of PROJECT_CONFIGS) {
    const path = join(projectDir, name);
    if (existsSync(path))
      found.push(
        inspect(
          path,
          name,
          'project',
          name.startsWith('.mcp') ? 'Claude Code' : name.split('/')[0] === '.vscode' ? 'VS Code' : 'Cursor',
          options,
        ),
      );
  }
  for (const { host, path } of userConfigPaths(options.platform, options.home, options.env)) {
    if (existsSync(path)) found.push(inspect(path, path, 'user', host, options));
  }
  for (const f of found) {
    const what = Array.isArray(f.servers)
      ? `${f.servers.length} server(s)${f.servers.length > 0 ? `: ${f.servers.join(', ')}` : ''}`
      : `unreadable (${f.servers.error})`;
    say(`found ${f.display} (${f.host}, ${f.scope}): ${what}`);
  }

  const lockPath = resolve(projectDir, options.lockfile);
  const lockDisplay = posix(relative(projectDir, lockPath));
  let gate: FoundConfig | undefined;
  if (options.config !== undefined) {
    const path = resolve(projectDir, options.config);
    const inside = !relative(projectDir, path).startsWith('..') && !isAbsolute(relative(projectDir, path));
    gate = inspect(
      path,
      inside ? posix(relative(projectDir, path)) : path,
      inside ? 'project' : 'user',
      'given',
      options,
    );
    if (!Array.isArray(gate.servers))
      throw new CapsealError('INVALID_INPUT', `--config ${options.config}: ${gate.servers.error}`);
  } else {
    gate = found.find((f) => f.scope === 'project' && Array.isArray(f.servers));
  }
  if (gate === undefined) {
    const user = found
      .filter((f) => f.scope === 'user')
      .map((f) => `found ${f.display}: give it with --config, or create .mcp.json`);
    throw new CapsealError(
      'USAGE',
      `no project MCP config (${PROJECT_CONFIGS.join(', ')}) in ${projectDir}`,
      {
        details: user.length > 0 ? user : ['create .mcp.json (mcpServers), or give one with --config FILE'],
      },
    );
  }

  let lockOutcome: FileOutcome;
  let locked: string[];
  if (existsSync(lockPath)) {
    lockOutcome = 'unchanged';
    locked = [];
    say(`${lockDisplay} exists: kept (refresh it with capseal lock --config ${gate.display}, after review)`);
  } else {
    const specs = readConfig(gate.path, gate.display, options);
    const chosen = new Set(
      await options.choose(
        gate,
        specs.map((s) => s.name),
      ),
    );
    const selected = specs.filter((s) => chosen.has(s.name));
    if (selected.length === 0) throw new CapsealError('USAGE', 'no server chosen: nothing to lock');
    const { text } = await runLock(selected, options.snapshot);
    lockOutcome = place(lockPath, text);
    locked = selected.map((s) => s.name);
    say(`wrote ${lockDisplay} (${locked.length} server(s): ${locked.join(', ')})`);
  }

  const result: InitResult = {
    found,
    config: gate.display,
    lockfile: { path: lockDisplay, outcome: lockOutcome, servers: locked },
  };
  if (gate.scope !== 'project') {
    say(
      `${gate.display} is outside the project, so no workflow can read it: not writing ${options.workflow}`,
    );
    return result;
  }
  const workflowPath = resolve(projectDir, options.workflow);
  const workflowDisplay = posix(relative(projectDir, workflowPath));
  const outcome = place(
    workflowPath,
    renderDriftGateWorkflow({ ...options.gate, config: gate.display, lockfile: lockDisplay }),
  );
  say(
    outcome === 'written'
      ? `wrote ${workflowDisplay} (drift gate on every pull request)`
      : outcome === 'unchanged'
        ? `${workflowDisplay} is up to date`
        : `${workflowDisplay} exists and differs: kept (delete it to have init write its own)`,
  );
  return { ...result, workflow: { path: workflowDisplay, outcome } };
}
