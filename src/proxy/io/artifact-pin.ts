import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Artifact, ServerEntry } from '../../lockfile/index.js';
import { CapsealError } from '../../shared/errors.js';
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

/** The installed copy of an npm package under `cwd` (or a parent), from npm's hidden lockfile. */
async function findInstalled(
  name: string,
  cwd: string,
): Promise<{ version?: string; integrity?: string } | undefined> {
  let dir = resolve(cwd);
  for (;;) {
    try {
      const text = await readFile(join(dir, 'node_modules', '.package-lock.json'), 'utf8');
      const lock = JSON.parse(text) as {
        packages?: Record<string, { version?: string; integrity?: string }>;
      };
      const entry = lock.packages?.[`node_modules/${name}`];
      if (entry) return entry;
    } catch {
      // no hidden lockfile here
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
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
    const installed = await findInstalled(artifact.name, base);
    if (installed === undefined) {
      return {
        status: 'unverifiable',
        detail: `${artifact.name} is not installed under ${base}; npx fetches it, so its integrity cannot be checked before it runs (pin the version in the command: ${artifact.name}@${artifact.version})`,
      };
    }
    if (installed.version !== artifact.version)
      throw mismatch(`artifact.version: installed ${installed.version}, lockfile pins ${artifact.version}`);
    if (installed.integrity !== undefined && installed.integrity !== artifact.integrity) {
      throw mismatch(
        `artifact.integrity: installed ${installed.integrity}, lockfile pins ${artifact.integrity}`,
      );
    }
    return {
      status: 'verified',
      detail: `${artifact.name}@${artifact.version} installed with the pinned integrity`,
    };
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
