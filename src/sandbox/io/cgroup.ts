import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A pids cgroup one launch runs in: `procs` is the file the launcher writes its pid to before exec. */
export interface PidsCgroup {
  procs: string;
  remove(): Promise<void>;
}

/** Where new pids cgroups can be made (cgroup v1 pids hierarchy, or v2 with pids delegated), if anywhere. */
function pidsBase(): string | undefined {
  let own: string[] = [];
  try {
    own = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const v1 = own.find((l) => /^\d+:([^:]*,)?pids(,[^:]*)?:/.test(l));
  if (v1 !== undefined && existsSync('/sys/fs/cgroup/pids/cgroup.procs')) {
    return join('/sys/fs/cgroup/pids', v1.slice(v1.lastIndexOf(':') + 1));
  }
  const v2 = own.find((l) => l.startsWith('0::'));
  if (v2 !== undefined) {
    const dir = join('/sys/fs/cgroup', v2.slice(3));
    try {
      if (readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('pids')) return dir;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

let sequence = 0;

/**
 * Make a pids cgroup with `pids.max = max` (root only: RLIMIT_NPROC does not bind uid 0). Undefined when
 * this machine offers none that capseal may write.
 */
export async function createPidsCgroup(max: number): Promise<PidsCgroup | undefined> {
  const base = pidsBase();
  if (base === undefined) return undefined;
  const dir = join(base, `capseal-${process.pid}-${++sequence}`);
  try {
    await mkdir(dir);
    await writeFile(join(dir, 'pids.max'), String(max));
  } catch {
    await rmdir(dir).catch(() => {});
    return undefined;
  }
  return {
    procs: join(dir, 'cgroup.procs'),
    async remove() {
      // The sandbox's PID namespace dies with its init; give the kernel a moment to reap it.
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          const left = (await readFile(join(dir, 'cgroup.procs'), 'utf8')).trim();
          if (left !== '') {
            for (const pid of left.split('\n')) {
              try {
                process.kill(Number(pid), 'SIGKILL');
              } catch {}
            }
          }
          await rmdir(dir);
          return;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
  };
}

/** Whether createPidsCgroup can work here (probed once by probeSandbox). */
export async function probePidsCgroup(): Promise<boolean> {
  const cgroup = await createPidsCgroup(1);
  if (cgroup === undefined) return false;
  await cgroup.remove();
  return true;
}
