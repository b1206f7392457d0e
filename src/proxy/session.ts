import { type LineProblem, lineDropped, lineError } from './bad-line.js';
import { dispatchLine } from './dispatch.js';
import { emptyEffects, limitErrors, mergeEffects as merge, serverGoneError } from './effects.js';
import { takeTimedOutDeferred, timedOut } from './limits.js';
import { failServerSide } from './server-side.js';
import { assembleSession, type SessionConfig, type SessionParts } from './session-parts.js';
import type { Effects, JsonRpcId } from './types.js';

export type { SessionConfig } from './session-parts.js';

/**
 * The proxy's decision core: a JSON-RPC state machine between one host and one server. Every message goes
 * through `fromHost`/`fromServer`, which return the messages to send on each side plus audit records and
 * log lines; nothing here does I/O. A facade over the units that decide: the request table (ids), the list
 * verifier (verified/drifted state), authorize (pure, over a read-only view of that state), the handshake
 * (initialize/discover), limits, and the effect/error builders, put together in ./session-parts.ts and
 * driven per side by ./host-side.ts and ./server-side.ts. Guarantees:
 * - Host request ids never reach the server (proxy ids do); server→client request ids are mapped
 *   separately; responses with unknown or duplicate ids are dropped and logged.
 * - In enforce mode a tools/call, prompts/get or resources/read is forwarded only when its target appeared
 *   in a list response of THIS session whose normalized digest equals the lockfile's, and no later list
 *   showed it drifted (drift is sticky for the session); call-time policy can still deny it.
 * - List responses are filtered entry by entry (enforce, filter-only); cursors and other fields are kept.
 */
export class ProxySession {
  readonly config: SessionConfig;
  private readonly s: SessionParts;

  constructor(config: SessionConfig) {
    this.config = config;
    this.s = assembleSession(config);
  }

  /** Number of requests in flight in both directions plus deferred ones (for tests and memory bounds). */
  get inFlight(): number {
    return this.s.table.size;
  }

  /** One parsed line from the host (a message or a batch). */
  fromHost(value: unknown, now: number): Effects {
    return dispatchLine(this.s, 'host', value, now);
  }

  /** One parsed line from the server (a message or a batch); `text` is the line it was parsed from. */
  fromServer(value: unknown, now: number, text?: string): Effects {
    return dispatchLine(this.s, 'server', value, now, text);
  }

  /** A line from the host that was refused before parsing (size, JSON, depth); `id` when it is known. */
  badHostLine(id: JsonRpcId | undefined, problem: LineProblem, detail: string, now: number): Effects {
    const fx = lineDropped('host', problem, detail, now, this.s.record);
    if (id !== undefined) fx.toHost.push(lineError(id, problem, detail, this.config.limits));
    return fx;
  }

  /**
   * A refused line from the server: a request of the server's (`request`) is answered to the server; a
   * response fails the host request it answered, if any.
   */
  badServerLine(
    id: JsonRpcId | undefined,
    problem: LineProblem,
    detail: string,
    now: number,
    request = false,
  ): Effects {
    const fx = lineDropped('server', problem, detail, now, this.s.record);
    if (id !== undefined && request) fx.toServer.push(lineError(id, problem, detail, this.config.limits));
    else if (typeof id === 'number')
      merge(fx, failServerSide(this.s, id, now, `server response dropped: ${detail}`));
    return fx;
  }

  /** Fail requests (and re-lists) older than the timeout. Call periodically. */
  tick(now: number): Effects {
    const fx = emptyEffects();
    const { limits } = this.config;
    for (const id of timedOut(this.s.table, limits, now)) {
      merge(fx, failServerSide(this.s, id, now, `no answer within ${limits.requestTimeoutMs} ms`));
      fx.toServer.push({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: id, reason: 'capseal: timeout' },
      });
    }
    for (const d of takeTimedOutDeferred(this.s.table, limits, now))
      fx.toHost.push(limitErrors.verificationTimeout(d.message.id, limits));
    return fx;
  }

  /** The server is gone: every pending host request gets an error; nothing more will be forwarded. */
  serverExited(reason: string, now: number): Effects {
    const fx = emptyEffects();
    const server = this.config.serverName;
    const { pending, deferred } = this.s.table.clearHostSide();
    for (const p of pending) {
      fx.toHost.push(serverGoneError(p.hostId, reason, server));
      fx.audit.push(
        this.s.record(now, 'server→host', p.method, {
          decision: 'error',
          reason,
          target: p.target,
          durationMs: now - p.started,
        }),
      );
    }
    for (const d of deferred) fx.toHost.push(serverGoneError(d.message.id, reason, server));
    fx.log.push(`server exited: ${reason}`);
    return fx;
  }
}
