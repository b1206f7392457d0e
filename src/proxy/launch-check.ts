import { resolve } from 'node:path';
import picomatch from 'picomatch';
import type { LaunchPattern, ServerEntry } from '../lockfile/index.js';

/** The stdio launch about to happen, as given (paths as written, before resolution). */
export interface Launch {
  command: string;
  args: readonly string[];
  /** Working directory as configured; undefined when none is (the lock then used a fresh temp dir). */
  cwd?: string;
  /** Variables passed beyond the default set: named with --env, or set by a config `env` block. */
  envNames: readonly string[];
}

/** One way the launch differs from the lockfile, or loads code the pin does not cover. */
export interface LaunchFinding {
  field: 'transport' | 'command' | 'args' | 'cwd' | 'env' | 'code-loading';
  detail: string;
}

const basename = (path: string) => (path.split(/[\\/]/).pop() ?? path).replace(/\.(exe|cmd)$/i, '');

/** Runtimes whose flags before the script can load other code, and those flags (`--flag=value` too). */
const CODE_FLAGS: Record<string, { value: ReadonlySet<string>; bare: ReadonlySet<string> }> = {
  node: {
    value: new Set([
      '--import',
      '--require',
      '-r',
      '--eval',
      '-e',
      '--print',
      '-p',
      '--loader',
      '--experimental-loader',
      '--env-file',
      '--env-file-if-exists',
      '--conditions',
      '-C',
    ]),
    bare: new Set(['--inspect', '--inspect-brk', '--inspect-wait', '-pe']),
  },
  bun: {
    value: new Set(['--preload', '-r', '--require', '--eval', '-e', '--print', '-p', '--env-file']),
    bare: new Set(),
  },
  deno: {
    value: new Set(['--preload', '--import-map', '--eval', '--env-file']),
    bare: new Set(['--inspect', '--inspect-brk']),
  },
  tsx: {
    value: new Set(['--import', '--require', '-r', '--eval', '-e', '--print', '-p', '--tsconfig']),
    bare: new Set(),
  },
  python: { value: new Set(['-c']), bare: new Set() },
  npx: { value: new Set(['-c', '--call', '--node-options']), bare: new Set() },
};
const RUNTIME_ALIASES: Record<string, string> = { nodejs: 'node', python3: 'python', 'npm-exec': 'npx' };

/** Variables that make a runtime load other code than the pinned artifact. */
export const CODE_LOADING_ENV = [
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_REPL_EXTERNAL_MODULE',
  'BUN_OPTIONS',
  'DENO_FLAGS',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PYTHONHOME',
  'PYTHONINSPECT',
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
  'DYLD_INSERT_LIBRARIES',
  'DYLD_LIBRARY_PATH',
  'PERL5OPT',
  'RUBYOPT',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
] as const;

/** Code-loading flags among the runtime's own arguments (before the script or package). */
export function codeLoadingFlags(command: string, args: readonly string[]): string[] {
  const name = basename(command);
  const runtime = RUNTIME_ALIASES[name] ?? (/^python3?(\.\d+)?$/.test(name) ? 'python' : name);
  const flags = CODE_FLAGS[runtime];
  if (flags === undefined) return [];
  const found: string[] = [];
  // deno: `deno run [flags] script`; everything else: flags first, then the script or package.
  const start = runtime === 'deno' && args[0] === 'run' ? 1 : 0;
  for (let i = start; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--' || !arg.startsWith('-')) break;
    const flag = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    if (flags.value.has(flag)) {
      found.push(arg.includes('=') ? arg : `${arg} ${args[i + 1] ?? ''}`.trim());
      if (!arg.includes('=')) i++;
    } else if (flags.bare.has(flag) || [...flags.bare].some((b) => flag.startsWith(`${b}=`))) found.push(arg);
  }
  return found;
}

/**
 * A value against a launch-pattern glob: equal to it, or matching it. picomatch without `dot`, so a `*`
 * or `**` never takes a `..` or a hidden segment, and without negation (`!x` would accept nearly anything).
 */
export function matchesLaunchGlob(value: string, glob: string): boolean {
  return value === glob || picomatch.isMatch(value, glob, { dot: false, nonegate: true });
}

/** The locked arguments, except where the pattern names a position: there the glob may match instead. */
function argsAccepted(args: readonly string[], locked: readonly string[], pattern?: LaunchPattern): boolean {
  if (args.length !== locked.length) return false;
  return args.every((a, i) => {
    const glob = pattern?.args?.[String(i + 1)];
    return a === locked[i] || (glob !== undefined && matchesLaunchGlob(a, glob));
  });
}

/**
 * Compare the stdio launch about to happen with the lockfile's recorded source: command, arguments,
 * working directory and the variables passed beyond the default set (a lock entry's own `env` names always
 * pass). Arguments and working directory may instead match the entry's explicit `launchPattern` (written
 * by `capseal lock --launch-pattern`, signed with the lockfile); the command and env names never have a
 * pattern. When the lock claims a pin (npm or file artifact), flags and variables that load other code are
 * findings too, whatever the lock recorded: the pin covers one artifact, not what a preload puts in front
 * of it. An empty result means the launch is the locked one, or one its pattern allows. Pure.
 */
export function checkLaunch(
  entry: Pick<ServerEntry, 'source' | 'artifact'>,
  launch: Launch,
  /** Relative working directories (the lock's and the launch's) resolve against this absolute directory. */
  baseDir?: string,
): LaunchFinding[] {
  const findings: LaunchFinding[] = [];
  const locked = entry.source;
  if (locked.transport !== 'stdio') {
    return [
      { field: 'transport', detail: `the lockfile records ${locked.transport} ${locked.url}, not a command` },
    ];
  }
  const pattern = locked.launchPattern;
  const show = (args: readonly string[]) => JSON.stringify(args);
  if (launch.command !== locked.command)
    findings.push({ field: 'command', detail: `runs "${launch.command}", lockfile has "${locked.command}"` });
  if (!argsAccepted(launch.args, locked.args, pattern))
    findings.push({
      field: 'args',
      detail:
        pattern?.args === undefined
          ? `arguments ${show(launch.args)}, lockfile has ${show(locked.args)}`
          : `arguments ${show(launch.args)} match neither the lockfile's ${show(locked.args)} nor its launch pattern ${JSON.stringify(pattern.args)}`,
    });
  const abs = (dir: string | undefined) =>
    dir === undefined ? '' : baseDir === undefined ? dir : resolve(baseDir, dir);
  const cwdGlob = pattern?.cwd === undefined ? undefined : abs(pattern.cwd);
  const cwdOk =
    abs(launch.cwd) === abs(locked.cwd) ||
    (launch.cwd !== undefined && cwdGlob !== undefined && matchesLaunchGlob(abs(launch.cwd), cwdGlob));
  if (!cwdOk)
    findings.push({
      field: 'cwd',
      detail: `working directory ${launch.cwd ?? '(the proxy’s own)'}, lockfile has ${locked.cwd ?? '(none: a fresh temp dir)'}${pattern?.cwd === undefined ? '' : ` or the pattern ${pattern.cwd}`}`,
    });
  const lockedEnv = new Set(locked.env ?? []);
  const extra = [...new Set(launch.envNames)].filter((n) => !lockedEnv.has(n)).sort();
  if (extra.length > 0)
    findings.push({ field: 'env', detail: `passes ${extra.join(', ')}, which the lockfile does not name` });
  const flags = codeLoadingFlags(launch.command, launch.args);
  if (entry.artifact.kind === 'npm' || entry.artifact.kind === 'file') {
    const vars = [...lockedEnv, ...launch.envNames].filter((n) =>
      (CODE_LOADING_ENV as readonly string[]).includes(n.toUpperCase()),
    );
    if (flags.length > 0 || vars.length > 0)
      findings.push({
        field: 'code-loading',
        detail: `${[...flags, ...[...new Set(vars)].map((v) => `${v}=…`)].join(', ')} load code the ${entry.artifact.kind} pin does not cover`,
      });
  } else if (pattern?.args !== undefined) {
    // A glob stands for data (a root, a file), never for code the locked line did not already load.
    const before = new Set(codeLoadingFlags(locked.command, locked.args));
    const added = flags.filter((f) => !before.has(f));
    if (added.length > 0)
      findings.push({
        field: 'code-loading',
        detail: `${added.join(', ')} load code the locked launch did not; a launch pattern never allows that`,
      });
  }
  return findings;
}
