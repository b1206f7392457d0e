import { availableParallelism } from 'node:os';

/**
 * Counts the server processes that are starting (spawned, opening request not yet answered) across one
 * snapshot run, so a process started only in case it is needed (the 2025 generation of a stdio server
 * whose answer to `server/discover` is not in yet) starts when a CPU is free for it and waits otherwise:
 * server start-up is CPU-bound, and a start that only might be needed must not slow the ones that are.
 */
export class StartGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly slots: number = availableParallelism()) {}

  /** A process that is needed starts now, whatever the count; the returned function says it is up. */
  enter(): () => void {
    this.running++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.running--;
      this.wake();
    };
  }

  /**
   * Wait for a free slot, first come first served, and take it (resolves with the function that gives it
   * back). `now` aborted: the process is needed after all and takes a slot at once. `drop` aborted: it is
   * not needed; resolves with undefined and takes nothing.
   */
  whenFree(now: AbortSignal, drop: AbortSignal): Promise<(() => void) | undefined> {
    if (drop.aborted) return Promise.resolve(undefined);
    if (now.aborted || this.running < this.slots) return Promise.resolve(this.enter());
    return new Promise((resolve) => {
      const settle = (slot: (() => void) | undefined) => {
        const at = this.waiting.indexOf(turn);
        if (at !== -1) this.waiting.splice(at, 1);
        now.removeEventListener('abort', onNow);
        drop.removeEventListener('abort', onDrop);
        resolve(slot);
      };
      const turn = () => settle(this.enter());
      const onNow = () => settle(this.enter());
      const onDrop = () => settle(undefined);
      now.addEventListener('abort', onNow, { once: true });
      drop.addEventListener('abort', onDrop, { once: true });
      this.waiting.push(turn);
    });
  }

  private wake(): void {
    while (this.running < this.slots) {
      const next = this.waiting.shift();
      if (next === undefined) return;
      next();
    }
  }
}
