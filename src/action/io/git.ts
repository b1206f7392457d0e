import { execFile } from 'node:child_process';

/** A file at a commit, as the checkout's git history knows it. */
export type GitFileResult =
  | { kind: 'found'; text: string }
  | { kind: 'absent' }
  | { kind: 'unavailable'; reason: string };

interface GitRun {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/**
 * git with a minimal environment (never the runner's tokens) and no prompt: a fetch that needs credentials
 * fails instead of waiting.
 */
function git(cwd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<GitRun> {
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      {
        cwd,
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          PATH: env.PATH ?? '',
          HOME: env.HOME ?? '',
          GIT_TERMINAL_PROMPT: '0',
          GIT_ASKPASS: 'true',
          LC_ALL: 'C',
        },
      },
      (error, stdout, stderr) =>
        resolve({ ok: error === null, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

async function hasCommit(cwd: string, sha: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return (await git(cwd, ['cat-file', '-e', `${sha}^{commit}`], env)).ok;
}

/**
 * `path` at commit `sha` from the repository at `cwd`. When the commit is not in the clone (a shallow
 * checkout), it is fetched from `origin` first (by SHA, then by `fetchRef` when given). `absent` only when
 * the commit is known and does not contain the path.
 */
export async function readFileAtGitCommit(
  cwd: string,
  sha: string,
  path: string,
  options: { env: NodeJS.ProcessEnv; fetchRef?: string | undefined },
): Promise<GitFileResult> {
  const { env } = options;
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha))
    return { kind: 'unavailable', reason: `not a commit SHA: ${sha}` };
  const inside = await git(cwd, ['rev-parse', '--is-inside-work-tree'], env);
  if (!inside.ok) return { kind: 'unavailable', reason: 'the workspace is not a git checkout' };
  if (!(await hasCommit(cwd, sha, env))) {
    const fetched = await git(
      cwd,
      ['fetch', '--no-tags', '--no-recurse-submodules', '--depth=1', 'origin', sha],
      env,
    );
    if (!fetched.ok && options.fetchRef !== undefined) {
      await git(
        cwd,
        ['fetch', '--no-tags', '--no-recurse-submodules', '--depth=1', 'origin', options.fetchRef],
        env,
      );
    }
    if (!(await hasCommit(cwd, sha, env))) {
      const why = fetched.stderr.trim().split('\n').at(-1) ?? '';
      return {
        kind: 'unavailable',
        reason: `commit ${sha} is not in the clone and git fetch origin could not get it${why ? ` (${why})` : ''}`,
      };
    }
  }
  const listed = await git(cwd, ['ls-tree', '--name-only', sha, '--', path], env);
  if (!listed.ok) return { kind: 'unavailable', reason: `git ls-tree failed: ${listed.stderr.trim()}` };
  if (listed.stdout.trim() === '') return { kind: 'absent' };
  const shown = await git(cwd, ['show', `${sha}:${path}`], env);
  if (!shown.ok) return { kind: 'unavailable', reason: `git show failed: ${shown.stderr.trim()}` };
  return { kind: 'found', text: shown.stdout };
}
