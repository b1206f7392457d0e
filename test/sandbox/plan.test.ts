import { describe, expect, it } from 'vitest';
import {
  buildBwrapArgs,
  buildUnshareArgs,
  classifyLimitHit,
  decideSandbox,
  type LaunchView,
  maskedWithin,
  selectGrants,
} from '../../src/sandbox/plan.js';
import { DEFAULT_RESOURCE_LIMITS } from '../../src/sandbox/types.js';

const view: LaunchView = {
  readOnly: ['/work/repo'],
  writable: ['/tmp/c/home', '/tmp/c/work'],
  masks: [{ path: '/work/repo/.git', kind: 'dir' }],
  cwd: '/tmp/c/work',
  network: 'denied',
  limits: DEFAULT_RESOURCE_LIMITS,
  processLimit: 'rlimit',
  command: 'node',
  args: ['server.mjs'],
};
const limits = DEFAULT_RESOURCE_LIMITS;

describe('selectGrants', () => {
  const hidden = ['/home/runner', '/home/runner/work/_temp'];
  const workspaces = ['/home/runner/work/repo/repo'];
  it.each([
    ['/', false],
    ['/home', false],
    ['/home/runner', false],
    ['/home/runner/.ssh', false],
    ['/home/runner/work/_temp/_runner_file_commands', false],
    ['/home/runner/work/repo/repo', true],
    ['/home/runner/work/repo/repo/src', true],
    ['/opt/data', true],
  ])('%s granted: %s', (path, granted) => {
    const selection = selectGrants([path], hidden, workspaces);
    expect(selection.granted.includes(path)).toBe(granted);
    expect(selection.refused.some((r) => r.path === path)).toBe(!granted);
  });
});

describe('maskedWithin', () => {
  it('masks hidden paths strictly inside a grant, and nothing else', () => {
    const masks = maskedWithin(
      ['/w'],
      [
        { path: '/w/.git', kind: 'dir' },
        { path: '/w', kind: 'dir' },
        { path: '/x/.git', kind: 'file' },
      ],
    );
    expect(masks).toEqual([{ path: '/w/.git', kind: 'dir' }]);
  });
});

describe('buildBwrapArgs', () => {
  const args = buildBwrapArgs(view);
  const line = args.join(' ');
  it('unshares user, pid, ipc, uts and (denied) the network, dies with capseal', () => {
    for (const flag of [
      '--unshare-user',
      '--unshare-pid',
      '--unshare-ipc',
      '--unshare-uts',
      '--unshare-net',
      '--die-with-parent',
    ]) {
      expect(args).toContain(flag);
    }
    expect(buildBwrapArgs({ ...view, network: 'allowed' })).not.toContain('--unshare-net');
  });
  it('shows a fresh /proc, /dev and /tmp, grants read-only, private dirs read-write, masks .git', () => {
    expect(line).toContain('--proc /proc --dev /dev --tmpfs /tmp');
    expect(line).toContain('--ro-bind /work/repo /work/repo');
    expect(line).toContain('--bind /tmp/c/home /tmp/c/home');
    expect(line).toContain('--tmpfs /work/repo/.git');
    expect(line).not.toMatch(/--ro-bind \/etc \/etc|--ro-bind \/ \//);
  });
  it('runs the server under prlimit with every limit', () => {
    expect(line).toContain(
      `-- env -u PWD prlimit --as=${3072 * 1024 * 1024}:${3072 * 1024 * 1024} --nofile=4096:4096 --cpu=600:600 --nproc=256:256 -- node server.mjs`,
    );
    expect(buildBwrapArgs({ ...view, processLimit: 'cgroup' }).join(' ')).not.toContain('--nproc');
  });
});

describe('buildUnshareArgs', () => {
  it('makes the same namespaces, pivots into the new root and drops every capability', () => {
    const args = buildUnshareArgs(view, '/tmp/c/root');
    expect(args.slice(0, 10)).toEqual([
      '--user',
      '--map-root-user',
      '--pid',
      '--fork',
      '--kill-child',
      '--mount',
      '--ipc',
      '--uts',
      '--net',
      '--',
    ]);
    const script = args[12] as string;
    expect(script).toContain('pivot_root . .old');
    expect(script).toContain('umount -l /.old');
    expect(script).toContain("bind '/work/repo' ro");
    expect(script).toContain('--bounding-set=-all');
    expect(args.slice(-3)).toEqual(['--', 'node', 'server.mjs']);
  });
});

describe('decideSandbox', () => {
  const none = { backend: undefined, processLimit: undefined, problems: ['bwrap is missing'] };
  it('uses a working backend in strict and auto', () => {
    const ok = { backend: 'bwrap' as const, processLimit: 'rlimit' as const, problems: [] };
    expect(decideSandbox('strict', ok)).toEqual({ kind: 'sandbox', backend: 'bwrap' });
    expect(decideSandbox('auto', ok)).toEqual({ kind: 'sandbox', backend: 'bwrap' });
  });
  it('strict refuses, naming the cause; auto warns loudly; off is quiet', () => {
    expect(decideSandbox('strict', none)).toMatchObject({
      kind: 'refuse',
      reason: expect.stringContaining('bwrap is missing'),
    });
    expect(decideSandbox('auto', none)).toMatchObject({
      kind: 'none',
      warning: expect.stringMatching(/^RUNNING SERVERS WITHOUT A SANDBOX: bwrap is missing/),
    });
    expect(decideSandbox('off', none)).toEqual({ kind: 'none' });
  });
});

describe('classifyLimitHit', () => {
  it.each([
    [{ code: 152, signal: null, stderr: '' }, /^CPU time limit/],
    [{ code: null, signal: 'SIGXCPU', stderr: '' }, /^CPU time limit/],
    [
      { code: 1, signal: null, stderr: 'RangeError: Array buffer allocation failed' },
      /^address-space limit \(3072 MiB/,
    ],
    [
      {
        code: 134,
        signal: null,
        stderr: 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      },
      /^address-space limit/,
    ],
    [{ code: 1, signal: null, stderr: 'Error: spawn sleep EAGAIN' }, /^process limit \(256/],
    [{ code: 1, signal: null, stderr: 'Error: EMFILE: too many open files' }, /^open-files limit/],
  ])('%o → %s', (exit, expected) => {
    expect(classifyLimitHit(exit, limits)).toMatch(expected);
  });
  it('names nothing for an ordinary crash', () => {
    expect(
      classifyLimitHit({ code: 1, signal: null, stderr: 'cannot open database' }, limits),
    ).toBeUndefined();
  });
});
