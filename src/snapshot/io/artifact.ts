import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Artifact } from '../../lockfile/index.js';
import { findLocalPackageDir } from '../../sandbox/io/index.js';
import { errorMessage } from '../../shared/index.js';
import type { ArtifactPlan } from '../artifact.js';

const SRI_SHA512 = /^sha512-[A-Za-z0-9+/]+={0,2}$/;

/** sha256 (hex) of a file, streamed. */
function hashFile(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('error', fail)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => done(hash.digest('hex')));
  });
}

function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((done, fail) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const lines = String(stderr)
          .split('\n')
          .filter((l) => l.trim() !== '' && !/^npm warn/i.test(l));
        fail(new Error(lines.slice(-3).join(' ').trim() || error.message));
      } else done(String(stdout));
    });
  });
}

export interface LocalNpmPackage {
  version: string;
  integrity?: string;
}

/**
 * The locally installed copy of an npm package (nearest node_modules from baseDir), if its version is the
 * one requested (or none was requested). Its integrity comes from npm's own record of the install
 * (node_modules/.package-lock.json, else package-lock.json), so no network is needed.
 */
export function findLocalNpmPackage(name: string, requested: string | undefined, baseDir: string) {
  const local = findLocalPackageDir(name, baseDir);
  if (local === undefined) return undefined;
  let version: string;
  try {
    const pkg = JSON.parse(readFileSync(join(local.pkgDir, 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof pkg.version !== 'string') return undefined;
    version = pkg.version;
  } catch {
    return undefined;
  }
  if (requested !== undefined && requested !== version) return undefined;
  const found: LocalNpmPackage = { version };
  for (const lockPath of [
    join(local.nodeModules, '.package-lock.json'),
    join(local.nodeModules, '..', 'package-lock.json'),
  ]) {
    try {
      const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as {
        packages?: Record<string, { version?: string; integrity?: string }>;
      };
      const entry = lock.packages?.[`node_modules/${name}`];
      if (
        entry?.version === version &&
        typeof entry.integrity === 'string' &&
        SRI_SHA512.test(entry.integrity)
      ) {
        found.integrity = entry.integrity;
        break;
      }
    } catch {
      // no such lockfile here; try the next
    }
  }
  return found;
}

/** Ask the npm registry (through the user's own npm and config) for a version's tarball integrity. */
async function viewNpm(name: string, requested: string | undefined): Promise<Artifact> {
  const spec = `${name}@${requested ?? 'latest'}`;
  try {
    const out = await run('npm', ['view', spec, 'version', 'dist.integrity', '--json'], 20_000);
    const parsed = JSON.parse(out) as unknown;
    // A range matching several versions gives an array; npx runs the highest, which npm lists last.
    const last = (Array.isArray(parsed) ? parsed.at(-1) : parsed) as Record<string, unknown> | undefined;
    const version = last?.version;
    const integrity = last?.['dist.integrity'];
    if (typeof version === 'string' && typeof integrity === 'string' && SRI_SHA512.test(integrity)) {
      return { kind: 'npm', name, version, integrity };
    }
    return { kind: 'unresolved', reason: `npm view ${spec} gave no sha512 integrity` };
  } catch (error) {
    return {
      kind: 'unresolved',
      reason: `npm view ${spec} failed: ${errorMessage(error)}`,
    };
  }
}

function which(command: string, pathEnv: string | undefined): string | undefined {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (dir === '') continue;
    const full = join(dir, command);
    try {
      if (statSync(full).isFile()) return full;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function inspectDocker(image: string): Promise<Artifact> {
  const pinned = /@(sha256:[0-9a-f]{64})$/.exec(image);
  if (pinned?.[1] !== undefined) return { kind: 'docker', image, digest: pinned[1] };
  try {
    const out = await run('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', image], 15_000);
    const digests = JSON.parse(out) as unknown;
    const first = Array.isArray(digests) ? digests.find((d) => typeof d === 'string') : undefined;
    const digest = typeof first === 'string' ? /@(sha256:[0-9a-f]{64})$/.exec(first)?.[1] : undefined;
    return { kind: 'docker', image, digest: digest ?? null };
  } catch {
    return { kind: 'docker', image, digest: null };
  }
}

/**
 * Resolve an artifact plan to what the lockfile records: npm name/version/sha512 integrity (local install
 * first, then the registry), sha256 of a script or binary, a docker image digest (null when unknown), the
 * URL of a remote server. Never throws: what cannot be pinned is recorded as `unresolved` with the reason.
 */
export async function resolveArtifact(
  plan: ArtifactPlan,
  options: { baseDir?: string; pathEnv?: string } = {},
): Promise<Artifact> {
  const baseDir = options.baseDir ?? process.cwd();
  switch (plan.kind) {
    case 'remote':
      return { kind: 'remote', url: plan.url };
    case 'unresolved':
      return plan;
    case 'docker':
      return inspectDocker(plan.image);
    case 'npm': {
      const local = findLocalNpmPackage(plan.name, plan.requested, baseDir);
      if (local?.integrity !== undefined) {
        return { kind: 'npm', name: plan.name, version: local.version, integrity: local.integrity };
      }
      return viewNpm(plan.name, local?.version ?? plan.requested);
    }
    case 'file': {
      const full = isAbsolute(plan.path) ? plan.path : resolve(baseDir, plan.path);
      if (!existsSync(full) || !statSync(full).isFile()) {
        return { kind: 'unresolved', reason: `script ${plan.path} not found` };
      }
      return { kind: 'file', path: plan.path, sha256: await hashFile(full) };
    }
    case 'binary': {
      const full = which(plan.command, options.pathEnv ?? process.env.PATH);
      if (full === undefined) return { kind: 'unresolved', reason: `${plan.command} not found on PATH` };
      return { kind: 'file', path: plan.command, sha256: await hashFile(full) };
    }
  }
}
