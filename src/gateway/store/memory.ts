import { StoreUnavailableError } from './errors.js';
import type { GatewayStore } from './types.js';

/** Options of the in-memory store; `onHandlerError` sees what a subscriber threw (it never escapes). */
export interface MemoryStoreOptions {
  onHandlerError?: (error: unknown, channel: string) => void;
}

/**
 * The embedded default: one process, no extra services. Drift flags and verified digests live in Maps,
 * `publish` delivers synchronously to this process's subscribers. It is ready from construction until
 * `close()`; after that every write rejects with StoreUnavailableError and `ready()` is false, so a caller
 * holding a closed store fails closed rather than trusting a view nobody keeps current.
 */
export class MemoryStore implements GatewayStore {
  readonly #drift = new Map<string, string>();
  readonly #verified = new Map<string, string>();
  readonly #channels = new Map<string, Set<(message: string) => void>>();
  readonly #readyListeners = new Set<(ready: boolean) => void>();
  readonly #onHandlerError: (error: unknown, channel: string) => void;
  #closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.#onHandlerError = options.onHandlerError ?? (() => {});
  }

  async markDrifted(key: string, detail: string): Promise<void> {
    this.#assertOpen('mark drift');
    // Sticky: the first detail recorded stays; a later report of the same key changes nothing.
    if (!this.#drift.has(key)) this.#drift.set(key, detail);
  }

  driftOf(key: string): string | undefined {
    return this.#drift.get(key);
  }

  async driftConfirmed(key: string): Promise<string | undefined> {
    this.#assertOpen('read a drift flag');
    return this.#drift.get(key);
  }

  async putVerified(key: string, digest: string): Promise<void> {
    this.#assertOpen('record a verified digest');
    this.#verified.set(key, digest);
  }

  verifiedOf(key: string): string | undefined {
    return this.#verified.get(key);
  }

  async publish(channel: string, message: string): Promise<void> {
    this.#assertOpen('publish');
    // A copy: a handler that unsubscribes (or subscribes) while we deliver does not disturb this round.
    for (const handler of [...(this.#channels.get(channel) ?? [])]) {
      try {
        handler(message);
      } catch (error) {
        this.#onHandlerError(error, channel);
      }
    }
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    this.#assertOpen('subscribe');
    // Wrapped so the same function subscribed twice is two subscriptions, each with its own unsubscribe.
    const handler = (message: string) => onMessage(message);
    const set = this.#channels.get(channel) ?? new Set();
    set.add(handler);
    this.#channels.set(channel, set);
    return async () => {
      set.delete(handler);
      if (set.size === 0 && this.#channels.get(channel) === set) this.#channels.delete(channel);
    };
  }

  ready(): boolean {
    return !this.#closed;
  }

  onReadyChange(listener: (ready: boolean) => void): void {
    this.#readyListeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#channels.clear();
    for (const listener of this.#readyListeners) {
      try {
        listener(false);
      } catch (error) {
        this.#onHandlerError(error, 'ready');
      }
    }
    this.#readyListeners.clear();
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new StoreUnavailableError('closed', operation);
  }
}
