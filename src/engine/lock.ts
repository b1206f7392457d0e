import { findConfusableNames } from '../diff/index.js';
import { LOCKFILE_VERSION, type Lockfile, parseLockfile, serializeLockfile } from '../lockfile/index.js';
import { CapsealError } from '../shared/index.js';
import type { ServerSpec } from '../snapshot/index.js';
import { type SnapshotOptions, snapshotServers } from '../snapshot/io/index.js';

export type LockOptions = SnapshotOptions & {
  /** An existing lockfile whose other entries are kept: re-locking one server never drops the rest. */
  keep?: Lockfile;
};

/**
 * Snapshot every server and build the lockfile: one entry per server, keyed by name. `text` is the exact
 * bytes to write (deterministic: the same servers give the same bytes). The text is parsed back with the
 * strict reader before it is returned, so capseal never writes a lockfile it would itself reject. Tool and
 * prompt names that are look-alikes (in one server or across servers: findConfusableNames) are warned about
 * on the logger. Called by `capseal lock` and by the GitHub Action.
 */
export async function runLock(
  specs: readonly ServerSpec[],
  options: LockOptions = {},
): Promise<{ lock: Lockfile; text: string }> {
  const { keep, ...snapshot } = options;
  const fresh = await snapshotServers(specs, snapshot);
  // Look-alike names are locked (the lockfile records what is there) but never silently.
  for (const found of findConfusableNames(fresh)) {
    options.logger?.warn(
      `${found.kind} ${JSON.stringify(found.name)} of server "${found.server}" is a possible look-alike: ${found.reasons.join('; ')}`,
    );
  }
  const servers = { ...(keep?.servers ?? {}), ...fresh };
  const text = serializeLockfile({ lockfileVersion: LOCKFILE_VERSION, servers });
  try {
    const maxJsonDepth = options.limits?.maxJsonDepth;
    const parseOptions = maxJsonDepth === undefined ? {} : { maxJsonDepth };
    return { lock: parseLockfile(text, 'the generated lockfile', parseOptions), text };
  } catch (error) {
    // Everything reaching here passed normalize: a mismatch with the strict schema is our bug.
    const details = error instanceof CapsealError ? error.details : [String(error)];
    throw new CapsealError('INTERNAL', 'capseal built a lockfile it cannot read back', {
      details,
      cause: error,
    });
  }
}
