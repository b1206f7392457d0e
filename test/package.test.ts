import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from './helpers/cli.js';

// What `npm install -g <tarball or git URL>` gives a user: the ncc bundles and what they read at run time,
// and nothing to install besides. Everything the CLI and the Action import is inside dist/.
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>;

/** `npm …` with the npm that runs the tests when there is one (npm scripts and npx set npm_execpath). */
function npm(args: readonly string[], cwd = REPO): string {
  const cli = process.env.npm_execpath;
  return cli?.endsWith('.js')
    ? execFileSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', stdio: 'pipe' })
    : execFileSync('npm', args, {
        cwd,
        encoding: 'utf8',
        stdio: 'pipe',
        shell: process.platform === 'win32',
      });
}

const out = mkdtempSync(join(tmpdir(), 'capseal-package-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the published package', () => {
  it('has no runtime dependencies (everything is in the bundle)', () => {
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies']) {
      expect(pkg[field], field).toBeUndefined();
    }
  });

  it('packs exactly bin, dist, policies, action.yml, LICENSE and README', () => {
    const [report] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'])) as [
      { files: { path: string }[] },
    ];
    const files = report.files.map((f) => f.path);
    const top = [...new Set(files.map((f) => f.split('/')[0]))].sort();
    expect(top).toEqual(['LICENSE', 'README.md', 'action.yml', 'dist', 'package.json', 'policies']);
    const bin = (pkg.bin as Record<string, string>).capseal;
    expect(files).toContain(bin);
    expect(files).toContain('dist/lockfile.schema.json');
    expect(files).toContain('policies/baseline.yaml');
  }, 60_000);

  it('installs from its tarball into an empty prefix, adds no dependency, and runs capseal --version', () => {
    const [packed] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', out])) as [
      { filename: string },
    ];
    const prefix = join(out, 'prefix');
    npm([
      'install',
      '--global',
      '--prefix',
      prefix,
      '--offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      join(out, packed.filename),
    ]);
    const windows = process.platform === 'win32';
    const root = windows ? join(prefix, 'node_modules') : join(prefix, 'lib', 'node_modules');
    // Only capseal itself: `npm install -g` added no package beside it, and none inside it.
    expect(readdirSync(root)).toEqual(['capseal']);
    expect(existsSync(join(root, 'capseal', 'node_modules'))).toBe(false);
    const bin = windows ? join(prefix, 'capseal.cmd') : join(prefix, 'bin', 'capseal');
    expect(existsSync(bin)).toBe(true);
    const version = windows
      ? execFileSync(process.execPath, [join(root, 'capseal', 'dist', 'cli.js'), '--version'], {
          encoding: 'utf8',
        })
      : execFileSync(bin, ['--version'], {
          encoding: 'utf8',
          // The bin's `#!/usr/bin/env node` finds the node running these tests first.
          env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` },
        });
    expect(version.trim()).toBe(pkg.version);
  }, 120_000);

  describe('npm ci for contributors resolves from the committed lockfile on every platform (dry run)', () => {
    // A platform-specific devDependency that is not optional would fail here for the other platforms.
    const clone = join(out, 'clone');
    for (const file of ['package.json', 'package-lock.json', join('tools', 'dev-node', 'package.json')]) {
      cpSync(join(REPO, file), join(clone, file), { recursive: true });
    }
    it.each([
      ['linux', 'x64'],
      ['linux', 'arm64'],
      ['darwin', 'x64'],
      ['darwin', 'arm64'],
      ['win32', 'x64'],
    ])(
      '--os=%s --cpu=%s',
      (os, cpu) => {
        const args = [
          'ci',
          '--dry-run',
          `--os=${os}`,
          `--cpu=${cpu}`,
          '--offline',
          '--no-audit',
          '--no-fund',
        ];
        expect(npm(args, clone)).toContain(`add @biomejs/cli-${os}-${cpu}`);
      },
      60_000,
    );
  });

  describe('run from a copy of dist and policies, without node_modules', () => {
    cpSync(join(REPO, 'dist'), join(out, 'dist'), { recursive: true });
    cpSync(join(REPO, 'policies'), join(out, 'policies'), { recursive: true });
    const cli = join(out, 'dist', 'cli.js');

    it('prints its version', () => {
      const version = execFileSync(process.execPath, [cli, '--version'], { cwd: out, encoding: 'utf8' });
      expect(version.trim()).toBe(pkg.version);
    });

    it('locks a fixture server and evaluates a shipped pack', () => {
      // The fixture server itself imports the SDK from the repository's node_modules; capseal does not.
      const server = join(REPO, 'fixtures', 'servers', 'drifting.mjs');
      const lock = join(out, 'mcp-lock.json');
      execFileSync(process.execPath, [cli, 'lock', '--out', lock, '--', process.execPath, server], {
        cwd: out,
        stdio: 'pipe',
      });
      expect(JSON.parse(readFileSync(lock, 'utf8')).lockfileVersion).toBe(2);
      // poisoning loads the Agent Threat Rules the bundler copied next to the bundle (both forms it emits).
      for (const pack of ['baseline', 'poisoning'])
        execFileSync(process.execPath, [cli, 'policy', 'check', '--lock', lock, '--policy', pack], {
          cwd: out,
          stdio: 'pipe',
        });
    }, 60_000);
  });
});
