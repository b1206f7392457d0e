import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CapsealError } from '../../shared/index.js';

export interface FetchedPackage {
  /** The package's directory (…/node_modules/<name>). */
  pkgDir: string;
  /** The prefix it was installed under: granted read-only, its dependencies resolve from there. */
  prefix: string;
  version: string;
  integrity: string | undefined;
}

/**
 * Download an npm package OUTSIDE the sandbox, so the server can then run inside it without network: `npm
 * install --ignore-scripts` into a private prefix, with capseal's own environment, so the user's registry
 * configuration (.npmrc, npm_config_*), HTTP(S)_PROXY/NO_PROXY and NODE_EXTRA_CA_CERTS apply. Install
 * scripts never run (they would run unsandboxed). When `pin` gives an integrity, the downloaded tarball's
 * integrity must equal it (ARTIFACT_MISMATCH, exit 1, otherwise: nothing is spawned).
 */
export async function fetchNpmPackage(
  name: string,
  version: string | undefined,
  prefix: string,
  env: NodeJS.ProcessEnv,
  pin?: { version: string; integrity: string },
): Promise<FetchedPackage> {
  await mkdir(prefix, { recursive: true });
  const spec = `${name}@${pin?.version ?? version ?? 'latest'}`;
  await new Promise<void>((done, fail) => {
    execFile(
      'npm',
      ['install', '--prefix', prefix, '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', spec],
      { env, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (error === null) return done();
        const lines = String(stderr)
          .split('\n')
          .filter((l) => l.trim() !== '' && !/^npm warn/i.test(l));
        fail(
          new CapsealError('SERVER_FAILED', `could not download ${spec} (outside the sandbox)`, {
            details: [
              ...lines.slice(-3),
              'the download uses your npm configuration: registry from .npmrc/npm_config_registry, HTTP(S)_PROXY and NO_PROXY, NODE_EXTRA_CA_CERTS for a corporate CA',
            ],
          }),
        );
      },
    );
  });
  const pkgDir = join(prefix, 'node_modules', name);
  let installed: { version?: string; integrity?: string } | undefined;
  try {
    const lock = JSON.parse(await readFile(join(prefix, 'node_modules', '.package-lock.json'), 'utf8')) as {
      packages?: Record<string, { version?: string; integrity?: string }>;
    };
    installed = lock.packages?.[`node_modules/${name}`];
  } catch {
    installed = undefined;
  }
  if (installed?.version === undefined) {
    throw new CapsealError('SERVER_FAILED', `npm installed ${spec} but recorded no version for it`);
  }
  if (pin !== undefined && (installed.version !== pin.version || installed.integrity !== pin.integrity)) {
    throw new CapsealError(
      'ARTIFACT_MISMATCH',
      'the downloaded package is not the artifact the lockfile pins',
      {
        details: [
          `artifact: downloaded ${name}@${installed.version} ${installed.integrity ?? '(no integrity)'}, lockfile pins ${pin.version} ${pin.integrity}`,
        ],
      },
    );
  }
  return { pkgDir, prefix, version: installed.version, integrity: installed.integrity };
}

/**
 * The npm packages downloaded for one server's sandboxed connections, each fetched once (its pin checked
 * once) however many connections (protocol generations) launch it. dispose() removes the downloads; call
 * it after every connection that uses them is gone.
 */
export interface PackageCache {
  fetch(
    name: string,
    version: string | undefined,
    env: NodeJS.ProcessEnv,
    pin?: { version: string; integrity: string },
  ): Promise<FetchedPackage>;
  /** True when that package was already fetched (or is being fetched) for this server. */
  has(name: string, version: string | undefined, pin?: { version: string; integrity: string }): boolean;
  dispose(): Promise<void>;
}

const cacheKey = (name: string, version: string | undefined, pin?: { version: string; integrity: string }) =>
  JSON.stringify([name, version ?? null, pin ?? null]);

/** A PackageCache over `fetcher` (fetchNpmPackage; a test may pass its own). */
export function createPackageCache(fetcher: typeof fetchNpmPackage = fetchNpmPackage): PackageCache {
  const fetched = new Map<string, Promise<FetchedPackage>>();
  let root: Promise<string> | undefined;
  return {
    fetch(name, version, env, pin) {
      const key = cacheKey(name, version, pin);
      let found = fetched.get(key);
      if (found === undefined) {
        root ??= mkdtemp(join(tmpdir(), 'capseal-npm-')).then((dir) => realpath(dir));
        const prefix = root.then((dir) => join(dir, String(fetched.size)));
        found = prefix.then((dir) => fetcher(name, version, dir, env, pin));
        fetched.set(key, found);
      }
      return found;
    },
    has: (name, version, pin) => fetched.has(cacheKey(name, version, pin)),
    async dispose() {
      await Promise.allSettled(fetched.values());
      if (root !== undefined) {
        await rm(await root, { recursive: true, force: true, maxRetries: 2 }).catch(() => {});
      }
    },
  };
}
