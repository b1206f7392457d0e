import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Artifact, ServerEntry } from '../../lockfile/index.js';
import { CapsealError } from '../../shared/index.js';
import { planArtifact } from '../../snapshot/index.js';
import type { ServerProcessSpec } from './spawn-server.js';

export interface PinCheck {
  status: 'verified' | 'unverifiable';
  detail: string;
}

async function sha256File(path: string): Promise<string | undefined> {
  try {
    return createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  } catch {
    return undefined;
  }
}

/** One installed copy of a package that npx could run: where, its version, npm's record of its integrity. */
interface InstalledCopy {
  where: string;
  pkgDir: string;
  version: string | undefined;
  integrity: string | undefined;
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The copy of `name` in one node_modules directory, if there is one. */
async function copyIn(nodeModules: string, name: string, where: string): Promise<InstalledCopy | undefined> {
  const pkgDir = join(nodeModules, name);
  const pkg = (await readJson(join(pkgDir, 'package.json'))) as { version?: unknown } | undefined;
  if (pkg === undefined) return undefined;
  const hidden = (await readJson(join(nodeModules, '.package-lock.json'))) as
    | { packages?: Record<string, { version?: string; integrity?: string }> }
    | undefined;
  const record = hidden?.packages?.[`node_modules/${name}`];
  return {
    where,
    pkgDir,
    version: typeof pkg.version === 'string' ? pkg.version : undefined,
    integrity: typeof record?.integrity === 'string' ? record.integrity : undefined,
  };
}

/**
 * Every installed copy npx may run for `name`: the nearest node_modules from `cwd` upwards (the project),
 * the global prefix, and each npx cache directory (`<npm cache>/_npx/<hash>/node_modules`).
 */
async function findCopies(name: string, cwd: string, env: NodeJS.ProcessEnv): Promise<InstalledCopy[]> {
  const copies: InstalledCopy[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const found = await copyIn(join(dir, 'node_modules'), name, `project ${dir}`);
    if (found) {
      copies.push(found);
      break;
    }
    if (dirname(dir) === dir) break;
  }
  const prefix = env.npm_config_prefix ?? env.NPM_CONFIG_PREFIX ?? dirname(dirname(process.execPath));
  for (const nm of [join(prefix, 'lib', 'node_modules'), join(prefix, 'node_modules')]) {
    const found = await copyIn(nm, name, `global prefix ${prefix}`);
    if (found) copies.push(found);
  }
  const cache = env.npm_config_cache ?? env.NPM_CONFIG_CACHE ?? join(env.HOME ?? homedir(), '.npm');
  let hashes: string[] = [];
  try {
    hashes = await readdir(join(cache, '_npx'));
  } catch {
    // no npx cache
  }
  for (const h of hashes.sort()) {
    const found = await copyIn(
      join(cache, '_npx', h, 'node_modules'),
      name,
      `npx cache ${join(cache, '_npx', h)}`,
    );
    if (found) copies.push(found);
  }
  return copies;
}

/** The tarball npm cached for an integrity (content-addressed), if it is there and hashes to it. */
async function cachedTarball(integrity: string, env: NodeJS.ProcessEnv): Promise<Buffer | undefined> {
  const hex = Buffer.from(integrity.replace(/^sha512-/, ''), 'base64').toString('hex');
  const cache = env.npm_config_cache ?? env.NPM_CONFIG_CACHE ?? join(env.HOME ?? homedir(), '.npm');
  const path = join(
    cache,
    '_cacache',
    'content-v2',
    'sha512',
    hex.slice(0, 2),
    hex.slice(2, 4),
    hex.slice(4),
  );
  try {
    const bytes = await readFile(path);
    return createHash('sha512').update(bytes).digest('hex') === hex ? bytes : undefined;
  } catch {
    return undefined;
  }
}

/** The regular files of a gzipped npm tarball (ustar, with pax `path`), keyed without the first segment. */
function tarFiles(tgz: Buffer): Map<string, Buffer> {
  const tar = gunzipSync(tgz);
  const files = new Map<string, Buffer>();
  let paxPath: string | undefined;
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number) =>
      header.toString('utf8', start, start + len).replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const body = tar.subarray(at + 512, at + 512 + size);
    if (type === 'x') {
      paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
    } else {
      const prefix = field(345, 155);
      const name = paxPath ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
      paxPath = undefined;
      if (type === '0' || type === '' || type === '7') files.set(name.split('/').slice(1).join('/'), body);
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** Files of the tarball that differ on disk (or are missing), at most a few. */
async function differingFiles(pkgDir: string, tgz: Buffer): Promise<string[]> {
  const differ: string[] = [];
  for (const [rel, bytes] of tarFiles(tgz)) {
    let disk: Buffer | undefined;
    try {
      disk = await readFile(join(pkgDir, rel));
    } catch {
      disk = undefined;
    }
    if (disk === undefined || !disk.equals(bytes)) differ.push(rel);
    if (differ.length >= 5) break;
  }
  return differ;
}

/**
 * Check, before anything is spawned, that the command about to run is the artifact the lockfile pins:
 * - file/binary: sha256 of the script or executable the command resolves to must equal the pin;
 * - npm: the launched package name (and requested version, when given) must equal the pin, and when the
 *   package is installed locally its version and integrity must too; an npx download cannot be checked
 *   before it happens, so that case is reported as unverifiable (never as verified);
 * - docker/remote/unresolved: reported as unverifiable.
 * A mismatch throws ARTIFACT_MISMATCH (exit 1).
 */
export async function verifyArtifactPin(
  artifact: Artifact,
  spec: ServerProcessSpec,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<PinCheck> {
  const plan = planArtifact({
    name: 'server',
    transport: 'stdio',
    command: spec.command,
    args: [...spec.args],
  });
  const base = spec.cwd ?? cwd;
  const mismatch = (detail: string) =>
    new CapsealError('ARTIFACT_MISMATCH', 'the server about to run is not the artifact the lockfile pins', {
      details: [detail],
    });
  if (artifact.kind === 'file') {
    let path: string | undefined;
    if (plan.kind === 'file') path = isAbsolute(plan.path) ? plan.path : join(base, plan.path);
    else if (plan.kind === 'binary') {
      for (const dir of (env.PATH ?? '').split(':')) {
        if (dir && (await sha256File(join(dir, plan.command))) !== undefined) {
          path = join(dir, plan.command);
          break;
        }
      }
    }
    if (path === undefined)
      throw mismatch(`artifact: the lockfile pins a file, the command launches ${plan.kind}`);
    const actual = await sha256File(path);
    if (actual === undefined) throw mismatch(`artifact.path: cannot read ${path}`);
    if (actual !== artifact.sha256)
      throw mismatch(`artifact.sha256: ${path} has sha256 ${actual}, lockfile pins ${artifact.sha256}`);
    return { status: 'verified', detail: `sha256 of ${path} matches` };
  }
  if (artifact.kind === 'npm') {
    if (plan.kind !== 'npm')
      throw mismatch(`artifact: the lockfile pins npm ${artifact.name}, the command launches ${plan.kind}`);
    if (plan.name !== artifact.name)
      throw mismatch(`artifact.name: the command runs ${plan.name}, lockfile pins ${artifact.name}`);
    if (plan.requested !== undefined && plan.requested !== artifact.version) {
      throw mismatch(
        `artifact.version: the command asks for ${plan.requested}, lockfile pins ${artifact.version}`,
      );
    }
    return verifyNpmCopies(artifact, plan.requested, base, env, mismatch);
  }
  if (artifact.kind === 'docker') {
    return {
      status: 'unverifiable',
      detail: `docker image ${artifact.image}: digest not checked by the proxy`,
    };
  }
  if (artifact.kind === 'remote') return { status: 'unverifiable', detail: `remote server ${artifact.url}` };
  return { status: 'unverifiable', detail: `no artifact pin in the lockfile (${artifact.reason})` };
}

/**
 * The npm pin against what npx would run: every installed copy it could pick (project, global prefix, npx
 * cache) that has the pinned version must carry the pinned integrity in npm's record, and where npm's
 * cache still holds the pinned tarball (content-addressed, re-hashed here), the files on disk must be its
 * bytes. A copy of another version counts when the command names no version (npx may run it).
 */
async function verifyNpmCopies(
  artifact: Extract<Artifact, { kind: 'npm' }>,
  requested: string | undefined,
  base: string,
  env: NodeJS.ProcessEnv,
  mismatch: (detail: string) => CapsealError,
): Promise<PinCheck> {
  const copies = await findCopies(artifact.name, base, env);
  const candidates = copies.filter((c) => c.version === artifact.version);
  if (requested === undefined) {
    const other = copies.find((c) => c.version !== artifact.version);
    if (other)
      throw mismatch(
        `artifact.version: ${other.where} has ${artifact.name}@${other.version}, lockfile pins ${artifact.version} (and the command names no version)`,
      );
  }
  if (candidates.length === 0) {
    return {
      status: 'unverifiable',
      detail: `${artifact.name}@${artifact.version} is not installed (project, global prefix, npx cache); npx fetches it, so its integrity cannot be checked before it runs (pin the version in the command: ${artifact.name}@${artifact.version})`,
    };
  }
  const tgz = await cachedTarball(artifact.integrity, env);
  let bytes = 0;
  for (const c of candidates) {
    if (c.integrity !== undefined && c.integrity !== artifact.integrity)
      throw mismatch(
        `artifact.integrity: ${c.where} recorded ${c.integrity}, lockfile pins ${artifact.integrity}`,
      );
    if (tgz === undefined) continue;
    const differ = await differingFiles(c.pkgDir, tgz);
    if (differ.length > 0)
      throw mismatch(`artifact.integrity: ${c.where}: ${differ.join(', ')} differ from the pinned tarball`);
    bytes++;
  }
  return {
    status: 'verified',
    detail:
      tgz === undefined
        ? `${artifact.name}@${artifact.version}: npm's record of ${candidates.length} installed cop${candidates.length === 1 ? 'y' : 'ies'} matches the pinned integrity (pinned tarball not in the npm cache: files not compared)`
        : `${artifact.name}@${artifact.version}: ${bytes} installed cop${bytes === 1 ? 'y is' : 'ies are'} byte for byte the pinned tarball`,
  };
}

function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

/**
 * Check, before connecting, that the URL about to be reached is the one the lockfile pins for this server
 * (`artifact.url` of a `remote` pin, else `source.url`), compared after URL normalization (scheme and host
 * case, default port, empty path). A remote server's code is not pinned, only its address: reaching another
 * address, or a URL for a server locked as a local artifact, throws ARTIFACT_MISMATCH (exit 1); re-lock to
 * move a server.
 */
export function verifyRemotePin(entry: Pick<ServerEntry, 'artifact' | 'source'>, url: string): PinCheck {
  const locked =
    entry.artifact.kind === 'remote'
      ? entry.artifact.url
      : entry.source.transport !== 'stdio'
        ? entry.source.url
        : undefined;
  if (locked === undefined) {
    throw new CapsealError(
      'ARTIFACT_MISMATCH',
      'the server about to be reached is not the one the lockfile pins',
      {
        details: [
          `artifact: the lockfile pins a local ${entry.artifact.kind} server, not a URL (got ${url})`,
        ],
      },
    );
  }
  if (!sameUrl(locked, url)) {
    throw new CapsealError(
      'ARTIFACT_MISMATCH',
      'the server about to be reached is not the one the lockfile pins',
      {
        details: [`artifact.url: connecting to ${url}, lockfile pins ${locked} (re-lock to move a server)`],
      },
    );
  }
  return {
    status: 'verified',
    detail: `remote server ${locked} (only the URL is pinned, not the code behind it)`,
  };
}
