import type { ServerSpec } from './types.js';

/**
 * What the artifact a server runs from is, decided from its launch line alone (pure). The shell
 * (io/artifact.ts) turns a plan into a lockfile `artifact` by reading files and asking npm/docker.
 *  - npm: `npx [-y] pkg[@version]`, `npx -p pkg cmd`, `npm exec pkg` → name + requested version (if any)
 *  - file: `node|python|deno|bun|… script` → that script; a command given as a path → that file
 *  - binary: a bare command found on PATH → that file
 *  - docker: `docker|podman run … IMAGE`
 *  - remote: URL servers (only the URL is pinned)
 *  - unresolved: anything else, with the reason
 */
export type ArtifactPlan =
  | { kind: 'npm'; name: string; requested?: string }
  | { kind: 'file'; path: string }
  | { kind: 'binary'; command: string }
  | { kind: 'docker'; image: string }
  | { kind: 'remote'; url: string }
  | { kind: 'unresolved'; reason: string };

const INTERPRETERS = new Set([
  'node',
  'nodejs',
  'python',
  'python3',
  'deno',
  'bun',
  'tsx',
  'ts-node',
  'ruby',
]);
const NPX_VALUE_FLAGS = new Set([
  '-p',
  '--package',
  '-c',
  '--call',
  '--cache',
  '--registry',
  '--prefix',
  '-w',
]);
const DOCKER_BOOL_FLAGS = new Set([
  '-i',
  '-t',
  '-it',
  '-ti',
  '-d',
  '--rm',
  '--init',
  '--interactive',
  '--tty',
  '--detach',
  '--privileged',
  '--read-only',
  '--no-healthcheck',
  '-P',
  '--publish-all',
  '-q',
  '--quiet',
]);

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** `@scope/name@1.2.3` → { name: '@scope/name', requested: '1.2.3' }; undefined for git/url/file specs. */
export function parseNpmSpec(spec: string): { name: string; requested?: string } | undefined {
  if (/^(\.|\/|~|file:|git[+:]|https?:|github:|[\w-]+\/[\w.-]+$)/.test(spec) && !spec.startsWith('@')) {
    return undefined;
  }
  const m = /^((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*)(?:@(.+))?$/i.exec(spec);
  if (m === null || m[1] === undefined) return undefined;
  return m[2] === undefined ? { name: m[1] } : { name: m[1], requested: m[2] };
}

function planNpx(args: readonly string[]): ArtifactPlan {
  let explicitPackage: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      const next = args[i + 1];
      return next === undefined ? { kind: 'unresolved', reason: 'npx without a package' } : planPackage(next);
    }
    if (arg === '-p' || arg === '--package') {
      explicitPackage = args[i + 1];
      i++;
      continue;
    }
    if (arg.startsWith('--package=')) {
      explicitPackage = arg.slice('--package='.length);
      continue;
    }
    if (NPX_VALUE_FLAGS.has(arg)) {
      if (arg === '-c' || arg === '--call')
        return { kind: 'unresolved', reason: 'npx --call runs a shell command' };
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return planPackage(explicitPackage ?? arg);
  }
  if (explicitPackage !== undefined) return planPackage(explicitPackage);
  return { kind: 'unresolved', reason: 'npx without a package' };
}

function planPackage(spec: string): ArtifactPlan {
  const parsed = parseNpmSpec(spec);
  if (parsed === undefined) {
    return { kind: 'unresolved', reason: `npm package spec "${spec}" is not a registry name[@version]` };
  }
  return { kind: 'npm', ...parsed };
}

function planDocker(args: readonly string[]): ArtifactPlan {
  if (args[0] !== 'run') return { kind: 'unresolved', reason: `docker ${args[0] ?? ''} is not "docker run"` };
  for (let i = 1; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') continue;
    if (arg.startsWith('--') && arg.includes('=')) continue;
    if (DOCKER_BOOL_FLAGS.has(arg)) continue;
    if (arg.startsWith('-')) {
      // Every other docker run flag takes a value (-e X, -v a:b, --name n, …).
      i++;
      continue;
    }
    return { kind: 'docker', image: arg };
  }
  return { kind: 'unresolved', reason: 'docker run without an image' };
}

/** Decide what to pin for a server spec. Pure: no file system, no network. */
export function planArtifact(spec: ServerSpec): ArtifactPlan {
  if (spec.transport !== 'stdio') return { kind: 'remote', url: spec.url };
  const cmd = basename(spec.command).replace(/\.(exe|cmd)$/i, '');
  const args = spec.args;
  if (cmd === 'npx') return planNpx(args);
  if (cmd === 'npm' && (args[0] === 'exec' || args[0] === 'x')) return planNpx(args.slice(1));
  if (cmd === 'docker' || cmd === 'podman') return planDocker(args);
  if (INTERPRETERS.has(cmd)) {
    const script = args.find((a) => !a.startsWith('-'));
    if (script === undefined) return { kind: 'unresolved', reason: `${cmd} without a script file` };
    return { kind: 'file', path: script };
  }
  if (spec.command.includes('/') || spec.command.includes('\\')) return { kind: 'file', path: spec.command };
  return { kind: 'binary', command: spec.command };
}
