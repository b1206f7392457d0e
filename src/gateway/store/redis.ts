import { Redis } from 'ioredis';
import { errorMessage, type Logger, silentLogger } from '../../shared/index.js';
import { StoreUnavailableError } from './errors.js';
import { linkOptions, pingWithin, type RedisStoreOptions } from './redis-link.js';
import type { GatewayStore } from './types.js';
import {
  applyStoreEvent,
  emptyView,
  encodeStoreEvent,
  mergeView,
  parseStoreEvent,
  planResync,
  type StoreEvent,
  type StoreView,
} from './view.js';

type State = 'idle' | 'connecting' | 'resyncing' | 'ready' | 'closed';

const DEFAULT_PREFIX = 'capseal:gateway:';
/** Write-back rounds per resync before it gives up and retries (each round only adds what arrived meanwhile). */
const MAX_WRITE_BACK_ROUNDS = 5;

/**
 * Shared state for N gateway replicas in Redis. Reads come from a local
 * view (except `driftConfirmed` when the view has no flag) (drift flags and verified digests) that a pub/sub event channel keeps current. On every (re)connect the
 * view is resynced from two Redis hashes before `ready()` turns true, and each local drift flag Redis lost
 * (a restart without persistence) is written back, so a flag once seen stays set everywhere. While
 * disconnected or resyncing `ready()` is false and every write rejects with StoreUnavailableError; the
 * gateway fails closed on both. A write made while not ready still lands in the local view (a drift seen
 * here blocks here at once) and reaches Redis on the next resync. Two connections: one for commands, one in
 * subscriber mode for the event channel and the fan-out channels of `publish`/`subscribe`.
 */
export class RedisStore implements GatewayStore {
  readonly #options: RedisStoreOptions;
  readonly #prefix: string;
  readonly #logger: Logger;
  #view: StoreView = emptyView();
  #cmd: Redis | undefined;
  #sub: Redis | undefined;
  #state: State = 'idle';
  /** Bumped on every disconnect, so a resync that started before it never declares the store ready. */
  #epoch = 0;
  #resyncing = false;
  #arrivedDuringSync: StoreEvent[] = [];
  #resyncTimer: NodeJS.Timeout | undefined;
  readonly #handlers = new Map<string, Set<(message: string) => void>>();
  readonly #readyListeners = new Set<(ready: boolean) => void>();
  #lastReady = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #beating = false;

  constructor(options: RedisStoreOptions) {
    this.#options = options;
    this.#prefix = options.keyPrefix ?? DEFAULT_PREFIX;
    this.#logger = options.logger ?? silentLogger;
  }

  /** The namespace of this store's keys and channels. */
  get keyPrefix(): string {
    return this.#prefix;
  }

  /** Start connecting (idempotent; returns at once). `ready()` turns true once both connections synced. */
  connect(): void {
    if (this.#state !== 'idle') return;
    this.#state = 'connecting';
    this.#cmd = this.#client('cmd');
    this.#sub = this.#client('sub');
    this.#sub.on('message', (channel: string, message: string) => this.#onMessage(channel, message));
    for (const client of [this.#cmd, this.#sub]) {
      client.connect().catch(() => {
        // The first attempt failed; ioredis keeps retrying on its own and 'ready' fires when it succeeds.
      });
    }
    this.#heartbeat = setInterval(() => this.#beat(), this.#options.heartbeat?.intervalMs ?? 1000);
    this.#heartbeat.unref();
  }

  /** Resolves true once ready, false when `timeoutMs` passes first (or the store is closed). */
  waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.ready()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), timeoutMs);
      const listener = (ready: boolean) => {
        if (ready || this.#state === 'closed') finish(ready);
      };
      const finish = (value: boolean) => {
        clearTimeout(timer);
        this.#readyListeners.delete(listener);
        resolve(value);
      };
      this.#readyListeners.add(listener);
    });
  }

  async markDrifted(key: string, detail: string): Promise<void> {
    const event: StoreEvent = { t: 'drift', key, detail };
    applyStoreEvent(this.#view, event);
    const cmd = this.#writable('mark drift');
    await this.#run('mark drift', cmd, () =>
      cmd
        .multi()
        .hsetnx(this.#driftKey, key, detail)
        .publish(this.#eventChannel, encodeStoreEvent(event))
        .exec(),
    );
  }

  driftOf(key: string): string | undefined {
    return this.#view.drift.get(key);
  }

  /**
   * The view first; when it has no flag, one HGET: a flag another replica set moments ago may still be on
   * its way through pub/sub, and a rug pull seen anywhere must block here too. A failed read recycles the
   * link and rejects (the caller fails closed).
   */
  async driftConfirmed(key: string): Promise<string | undefined> {
    const local = this.#view.drift.get(key);
    if (local !== undefined) return local;
    const cmd = this.#writable('read a drift flag');
    let value: string | null;
    try {
      value = await cmd.hget(this.#driftKey, key);
    } catch (error) {
      this.#recycle(cmd, `read a drift flag: ${errorMessage(error)}`);
      throw new StoreUnavailableError('disconnected', 'read a drift flag', { cause: error });
    }
    if (value === null) return undefined;
    applyStoreEvent(this.#view, { t: 'drift', key, detail: value });
    return value;
  }

  async putVerified(key: string, digest: string): Promise<void> {
    const event: StoreEvent = { t: 'verified', key, digest };
    applyStoreEvent(this.#view, event);
    const cmd = this.#writable('record a verified digest');
    await this.#run('record a verified digest', cmd, () =>
      cmd
        .multi()
        .hset(this.#verifiedKey, key, digest)
        .publish(this.#eventChannel, encodeStoreEvent(event))
        .exec(),
    );
  }

  verifiedOf(key: string): string | undefined {
    return this.#view.verified.get(key);
  }

  async publish(channel: string, message: string): Promise<void> {
    const cmd = this.#writable('publish');
    await this.#run('publish', cmd, () => cmd.publish(this.#fanoutChannel(channel), message));
  }

  /**
   * Registers at once; the Redis subscription is made now when connected, else on the next resync (before
   * the store reports ready), so no message published after readiness is missed.
   */
  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    if (this.#state === 'closed') throw new StoreUnavailableError('closed', 'subscribe');
    const handler = (message: string) => onMessage(message);
    let set = this.#handlers.get(channel);
    if (set === undefined) {
      set = new Set();
      this.#handlers.set(channel, set);
      if (this.#sub?.status === 'ready') {
        const sub = this.#sub;
        await sub.subscribe(this.#fanoutChannel(channel)).catch((error: unknown) => {
          // Not subscribed while claiming ready would drop messages: recycle the link, the resync subscribes.
          this.#recycle(sub, `subscribe ${channel}: ${errorMessage(error)}`);
        });
      }
    }
    set.add(handler);
    const owned = set;
    return async () => {
      owned.delete(handler);
      if (owned.size > 0 || this.#handlers.get(channel) !== owned) return;
      this.#handlers.delete(channel);
      if (this.#sub?.status === 'ready') {
        await this.#sub.unsubscribe(this.#fanoutChannel(channel)).catch(() => {});
      }
    };
  }

  ready(): boolean {
    return this.#state === 'ready';
  }

  onReadyChange(listener: (ready: boolean) => void): void {
    this.#readyListeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#epoch++;
    clearTimeout(this.#resyncTimer);
    clearInterval(this.#heartbeat);
    this.#handlers.clear();
    const clients = [this.#cmd, this.#sub].filter((c): c is Redis => c !== undefined);
    await Promise.all(
      clients.map(async (client) => {
        client.removeAllListeners('ready');
        client.removeAllListeners('close');
        client.removeAllListeners('message');
        // QUIT when the link is up (Redis drops us cleanly), a hard disconnect otherwise; never a reconnect.
        if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
        else client.disconnect();
      }),
    );
    this.#emitReady();
    this.#readyListeners.clear();
  }

  // ---- connection life cycle ----

  #client(role: 'cmd' | 'sub'): Redis {
    const options = linkOptions(role, this.#options);
    const client = new Redis(this.#options.url, options);
    client.on('error', (error: unknown) =>
      this.#logger.debug(`gateway store (${role}): ${errorMessage(error)}`),
    );
    client.on('close', () => this.#guard(() => this.#onDisconnect(role)));
    client.on('ready', () => this.#guard(() => this.#maybeResync()));
    return client;
  }

  /** One heartbeat: PING each ready link; a link that errs or stays silent past the timeout is recycled. */
  #beat(): void {
    if (this.#beating || this.#state === 'closed') return;
    this.#beating = true;
    const timeoutMs = this.#options.heartbeat?.timeoutMs ?? 2000;
    const links = [this.#cmd, this.#sub].filter((c): c is Redis => c?.status === 'ready');
    Promise.all(
      links.map(async (client) => {
        await pingWithin(client, timeoutMs).catch((error: unknown) =>
          this.#recycle(client, `Redis did not answer (${errorMessage(error)})`),
        );
      }),
    ).finally(() => {
      this.#beating = false;
    });
  }

  #onDisconnect(role: string): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'ready') this.#logger.warn(`gateway store: lost Redis (${role}); failing closed`);
    this.#epoch++;
    this.#state = 'connecting';
    clearTimeout(this.#resyncTimer);
    this.#resyncTimer = undefined;
    this.#emitReady();
  }

  #maybeResync(): void {
    if (this.#state === 'closed' || this.#state === 'ready' || this.#resyncing) return;
    if (this.#cmd?.status !== 'ready' || this.#sub?.status !== 'ready') return;
    const epoch = this.#epoch;
    this.#resyncing = true;
    this.#state = 'resyncing';
    this.#arrivedDuringSync = [];
    this.#resync(epoch)
      .then(() => {
        if (epoch !== this.#epoch || this.#state !== 'resyncing') return;
        this.#state = 'ready';
        this.#emitReady();
      })
      .catch((error: unknown) => {
        this.#logger.debug(`gateway store: resync failed: ${errorMessage(error)}`);
        // Still connected (a timeout, an error reply)? Try again after a pause; a disconnect retries on 'ready'.
        if (epoch === this.#epoch && this.#state === 'resyncing') {
          this.#state = 'connecting';
          this.#resyncTimer = setTimeout(() => {
            this.#resyncTimer = undefined;
            this.#guard(() => this.#maybeResync());
          }, 500);
        }
      })
      .finally(() => {
        this.#resyncing = false;
        this.#arrivedDuringSync = [];
        // A disconnect and reconnect that happened while this resync ran: start the next one now.
        if (this.#state === 'connecting' && this.#resyncTimer === undefined)
          this.#guard(() => this.#maybeResync());
      });
  }

  /**
   * Subscribe, snapshot, write back what Redis lacks, adopt the merged view. Subscribing first leaves no gap;
   * the snapshot is taken again after each write-back, in the same transaction, until nothing is missing
   * (a write made here while resyncing is rejected to its caller but still written back in the next round).
   */
  async #resync(epoch: number): Promise<void> {
    const sub = this.#sub as Redis;
    const cmd = this.#cmd as Redis;
    await sub.subscribe(this.#eventChannel, ...[...this.#handlers.keys()].map((c) => this.#fanoutChannel(c)));
    let tx = cmd.multi();
    for (let round = 0; ; round++) {
      const remote = await this.#snapshot(tx);
      if (epoch !== this.#epoch) return;
      const missing = planResync(this.#view, remote);
      if (missing.length === 0 || round === MAX_WRITE_BACK_ROUNDS) {
        if (missing.length > 0) throw new Error(`${missing.length} entries still missing from Redis`);
        this.#view = mergeView(this.#view, remote, this.#arrivedDuringSync);
        return;
      }
      this.#logger.info(`gateway store: writing back ${missing.length} entries Redis lacks`);
      tx = cmd.multi();
      for (const event of missing) {
        if (event.t === 'drift') tx.hsetnx(this.#driftKey, event.key, event.detail);
        else tx.hsetnx(this.#verifiedKey, event.key, event.digest);
        tx.publish(this.#eventChannel, encodeStoreEvent(event));
      }
    }
  }

  /** HGETALL both hashes at the end of `tx`, atomically with whatever `tx` already holds. */
  async #snapshot(tx: ReturnType<Redis['multi']>): Promise<StoreView> {
    const replies = await tx.hgetall(this.#driftKey).hgetall(this.#verifiedKey).exec();
    if (replies === null) throw new Error('resync transaction aborted');
    const failed = replies.find(([error]) => error !== null);
    if (failed) throw failed[0];
    const [drift, verified] = replies.slice(-2).map(([, value]) => value as Record<string, string>);
    return { drift: new Map(Object.entries(drift ?? {})), verified: new Map(Object.entries(verified ?? {})) };
  }

  // ---- messages ----

  #onMessage(channel: string, message: string): void {
    this.#guard(() => {
      if (channel === this.#eventChannel) {
        const event = parseStoreEvent(message);
        if (event === undefined) return this.#logger.debug('gateway store: ignored a malformed event');
        applyStoreEvent(this.#view, event);
        if (this.#state === 'resyncing') this.#arrivedDuringSync.push(event);
        return;
      }
      const name = channel.startsWith(this.#fanoutPrefix)
        ? channel.slice(this.#fanoutPrefix.length)
        : undefined;
      for (const handler of [...(this.#handlers.get(name ?? '') ?? [])]) {
        this.#guard(() => handler(message));
      }
    });
  }

  // ---- helpers ----

  #writable(operation: string): Redis {
    if (this.#state === 'ready' && this.#cmd !== undefined) return this.#cmd;
    const reason =
      this.#state === 'closed' ? 'closed' : this.#state === 'resyncing' ? 'resyncing' : 'disconnected';
    throw new StoreUnavailableError(reason, operation);
  }

  /**
   * Run one write on the command link. A write that fails (timeout, dropped link, error reply) recycles the
   * link: the replica is not ready until the resync, which writes back what this write could not.
   */
  async #run(operation: string, cmd: Redis, command: () => Promise<unknown>): Promise<void> {
    let result: unknown;
    try {
      result = await command();
    } catch (error) {
      this.#recycle(cmd, `${operation}: ${errorMessage(error)}`);
      throw new StoreUnavailableError('disconnected', operation, { cause: error });
    }
    // A MULTI reply: [[error, value], …]; null when aborted. Any error inside means it did not (all) land.
    const failed = Array.isArray(result)
      ? (result.find((r) => Array.isArray(r) && r[0] !== null) as [unknown, unknown] | undefined)
      : undefined;
    if (result === null || failed !== undefined) {
      this.#recycle(
        cmd,
        `${operation}: ${failed === undefined ? 'transaction aborted' : errorMessage(failed[0])}`,
      );
      throw new StoreUnavailableError('disconnected', operation, { cause: failed?.[0] });
    }
  }

  /** Drop `client`'s link and reconnect (ready() false until the resync after it). */
  #recycle(client: Redis, why: string): void {
    if (this.#state === 'closed') return;
    this.#logger.warn(`gateway store: ${why}; reconnecting`);
    client.disconnect(true);
  }

  #emitReady(): void {
    const ready = this.ready();
    if (ready === this.#lastReady) return;
    this.#lastReady = ready;
    for (const listener of [...this.#readyListeners]) this.#guard(() => listener(ready));
  }

  /** Nothing thrown by our handlers or the caller's may escape into ioredis's event emitter. */
  #guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#logger.debug(`gateway store: handler threw: ${errorMessage(error)}`);
    }
  }

  get #driftKey(): string {
    return `${this.#prefix}drift`;
  }
  get #verifiedKey(): string {
    return `${this.#prefix}verified`;
  }
  get #eventChannel(): string {
    return `${this.#prefix}events`;
  }
  get #fanoutPrefix(): string {
    return `${this.#prefix}ch:`;
  }
  #fanoutChannel(channel: string): string {
    return `${this.#fanoutPrefix}${channel}`;
  }
}
