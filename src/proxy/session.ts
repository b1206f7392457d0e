import type { ServerEntry } from '../lockfile/index.js';
import { type AuthorizeContext, GATED, waitsForVerification } from './authorize.js';
import {
  blockedError,
  emptyEffects,
  limitErrors,
  mergeEffects as merge,
  type Recorder,
  recorderFor,
  serverGoneError,
} from './effects.js';
import { spliceId, withRawLine } from './framing.js';
import { decideGated, type GateDecision } from './gate.js';
import { decideInitializeResult } from './initialize.js';
import { classify, errorResponse, isRecordValue } from './jsonrpc.js';
import { admitHostRequest, takeTimedOutDeferred, timedOut } from './limits.js';
import { CHANGED, LIST_METHODS, ListVerifier } from './list-verifier.js';
import { RequestTable } from './request-table.js';
import type {
  CallPolicy,
  Effects,
  EntryNormalizers,
  JsonRpcError,
  JsonRpcId,
  JsonRpcMessage,
  JsonRpcNotification,
  JsonRpcRequest,
  JsonRpcResult,
  ProxyLimits,
  ProxyMode,
  ResultPolicy,
  ResultPolicyInput,
} from './types.js';

const SCANNED = new Set<string>(['tools/call', 'prompts/get', 'resources/read']);

/** Everything a session needs, injected (no I/O, no clock: `now` is passed to each call). */
export interface SessionConfig {
  sessionId: string;
  serverName: string;
  entry: ServerEntry;
  mode: ProxyMode;
  limits: ProxyLimits;
  normalizers: EntryNormalizers;
  policy?: CallPolicy;
  /** Runtime content scanning of tools/call, prompts/get and resources/read results. */
  resultPolicy?: ResultPolicy;
  /** Put argument values in audit records (off by default: they may hold secrets). */
  auditArguments?: boolean;
  /** Build records for allowed calls (default true; the shell turns it off when there is no audit log). */
  recordAllowed?: boolean;
}

/**
 * The proxy's decision core: a JSON-RPC state machine between one host and one server. Every message goes
 * through `fromHost`/`fromServer`, which return the messages to send on each side plus audit records and
 * log lines; nothing here does I/O. A facade over the units that decide: the request table (ids), the list
 * verifier (verified/drifted state), authorize (pure, over a read-only view of that state), initialize,
 * limits, and the effect/error builders. Guarantees:
 * - Host request ids never reach the server (proxy ids do); server→client request ids are mapped
 *   separately; responses with unknown or duplicate ids are dropped and logged.
 * - In enforce mode a tools/call, prompts/get or resources/read is forwarded only when its target appeared
 *   in a list response of THIS session whose normalized digest equals the lockfile's, and no later list
 *   showed it drifted (drift is sticky for the session); call-time policy can still deny it.
 * - List responses are filtered entry by entry (enforce, filter-only); cursors and other fields are kept.
 */
export class ProxySession {
  readonly config: SessionConfig;
  private readonly table = new RequestTable();
  private readonly verifier: ListVerifier;
  private readonly auth: AuthorizeContext;
  private readonly record: Recorder;
  private capabilities: Record<string, unknown> | undefined;
  private initializeId: number | undefined;

  constructor(config: SessionConfig) {
    this.config = config;
    this.record = recorderFor(config.sessionId);
    const { entry, mode, normalizers, limits, serverName, policy } = config;
    this.verifier = new ListVerifier(
      { entry, mode, normalizers, pageCap: limits.pageCap, record: this.record },
      this.table,
    );
    this.auth = { serverName, entry, mode, view: this.verifier, ...(policy ? { policy } : {}) };
  }

  /** Number of requests in flight in both directions plus deferred ones (for tests and memory bounds). */
  get inFlight(): number {
    return this.table.size;
  }

  /** One parsed line from the host (a message or a batch). */
  fromHost(value: unknown, now: number): Effects {
    if (Array.isArray(value)) return this.batch(value, (v) => this.fromHost(v, now), 'host');
    const c = classify(value);
    switch (c.type) {
      case 'request':
        return this.hostRequest(c.message, now);
      case 'notification':
        return this.hostNotification(c.message, now);
      case 'response':
        return this.hostResponse(c.message);
      case 'invalid': {
        const fx = emptyEffects();
        fx.log.push(`host sent an invalid message (${c.reason})`);
        if (c.id !== undefined)
          fx.toHost.push(errorResponse(c.id, { code: -32600, message: `Invalid Request: ${c.reason}` }));
        return fx;
      }
    }
  }

  /** One parsed line from the server (a message or a batch); `text` is the line it was parsed from. */
  fromServer(value: unknown, now: number, text?: string): Effects {
    if (Array.isArray(value)) return this.batch(value, (v) => this.fromServer(v, now), 'server');
    const c = classify(value);
    switch (c.type) {
      case 'request':
        return this.serverRequest(c.message, now);
      case 'notification':
        return this.serverNotification(c.message, now);
      case 'response':
        return this.serverResponse(c.message, now, text);
      case 'invalid': {
        const fx = emptyEffects();
        fx.log.push(`server sent an invalid message (${c.reason}); dropped`);
        if (typeof c.id === 'number')
          merge(fx, this.failServerSide(c.id, now, `server sent an invalid message (${c.reason})`));
        return fx;
      }
    }
  }

  /** A line from the host that was not JSON or was over the limit; `id` when it could be recovered. */
  badHostLine(
    id: JsonRpcId | undefined,
    problem: 'oversized' | 'invalid-json',
    detail: string,
    now: number,
  ): Effects {
    const fx = emptyEffects();
    fx.log.push(
      `host sent ${problem === 'oversized' ? 'an over-long line' : 'invalid JSON'} (${detail}); dropped`,
    );
    fx.audit.push(this.record(now, 'host→server', problem, { decision: 'drop', reason: detail }));
    if (id !== undefined) {
      fx.toHost.push(
        problem === 'oversized'
          ? limitErrors.tooLarge(id, detail, this.config.limits)
          : errorResponse(id, { code: -32700, message: 'Parse error' }),
      );
    }
    return fx;
  }

  /** A line from the server that was not JSON or was over the limit: fail the request it answered, if any. */
  badServerLine(
    id: JsonRpcId | undefined,
    problem: 'oversized' | 'invalid-json',
    detail: string,
    now: number,
  ): Effects {
    const fx = emptyEffects();
    fx.log.push(
      `server sent ${problem === 'oversized' ? 'an over-long line' : 'invalid JSON'} (${detail}); dropped`,
    );
    fx.audit.push(this.record(now, 'server→host', problem, { decision: 'drop', reason: detail }));
    if (typeof id === 'number') merge(fx, this.failServerSide(id, now, `server response dropped: ${detail}`));
    return fx;
  }

  /** Fail requests (and re-lists) older than the timeout. Call periodically. */
  tick(now: number): Effects {
    const fx = emptyEffects();
    const { limits } = this.config;
    for (const id of timedOut(this.table, limits, now)) {
      merge(fx, this.failServerSide(id, now, `no answer within ${limits.requestTimeoutMs} ms`));
      fx.toServer.push({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: id, reason: 'capseal: timeout' },
      });
    }
    for (const d of takeTimedOutDeferred(this.table, limits, now))
      fx.toHost.push(limitErrors.verificationTimeout(d.message.id, limits));
    return fx;
  }

  /** The server is gone: every pending host request gets an error; nothing more will be forwarded. */
  serverExited(reason: string, now: number): Effects {
    const fx = emptyEffects();
    const server = this.config.serverName;
    const { pending, deferred } = this.table.clearHostSide();
    for (const p of pending) {
      fx.toHost.push(serverGoneError(p.hostId, reason, server));
      fx.audit.push(
        this.record(now, 'server→host', p.method, {
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

  // ---------------------------------------------------------------- host → server

  private hostRequest(message: JsonRpcRequest, now: number): Effects {
    const fx = emptyEffects();
    const refused = admitHostRequest(this.table, this.config.limits, message);
    if (refused !== undefined) {
      fx.log.push(refused.log);
      fx.toHost.push(refused.error);
      if (refused.limit)
        fx.audit.push(
          this.record(now, 'host→server', message.method, { decision: 'block', reason: refused.limit }),
        );
      return fx;
    }
    const gate = GATED[message.method];
    let decision: GateDecision = { type: 'forward' };
    if (gate !== undefined) {
      decision = decideGated(this.auth, this.config, gate, message, now, this.record);
      if (decision.type === 'defer') {
        this.table.defer(message, now);
        return fx;
      }
      if (decision.type === 'block') {
        fx.toHost.push(decision.error);
        fx.audit.push(decision.audit);
        return fx;
      }
    } else if (message.method in LIST_METHODS || message.method === 'initialize') {
      decision.audit = this.record(now, 'host→server', message.method, { decision: 'allow' });
    }
    const { type: _forward, ...pending } = decision;
    const { proxyId, params } = this.table.addHost(message, { started: now, ...pending });
    if (message.method === 'initialize') this.initializeId = proxyId;
    const out: JsonRpcRequest = { jsonrpc: '2.0', id: proxyId, method: message.method };
    if (params !== undefined) out.params = params;
    // Always re-serialized from what was decided on: forwarding the host's raw text would let duplicate
    // keys ({"name":"exec_shell","name":"echo"}) mean one thing to us and another to the server.
    fx.toServer.push(out);
    return fx;
  }

  private hostNotification(message: JsonRpcNotification, now: number): Effects {
    const fx = emptyEffects();
    if (message.method === 'notifications/cancelled') {
      const requestId = message.params?.requestId;
      if (typeof requestId !== 'string' && typeof requestId !== 'number') {
        fx.log.push('host cancelled without a requestId; dropped');
        return fx;
      }
      if (this.table.cancelDeferred(requestId)) return fx;
      const proxyId = this.table.proxyIdOf(requestId);
      if (proxyId === undefined) {
        fx.log.push(`host cancelled unknown request ${JSON.stringify(requestId)}; dropped`);
        return fx;
      }
      const p = this.table.get(proxyId);
      if (p?.origin === 'host') this.table.finish(proxyId, p);
      fx.toServer.push({ ...message, params: { ...message.params, requestId: proxyId } });
      return fx;
    }
    if (message.method === 'notifications/progress') {
      const token = message.params?.progressToken;
      if (!this.table.serverTokenKnown(token)) {
        fx.log.push(`host progress for unknown token ${JSON.stringify(token)}; dropped`);
        return fx;
      }
      fx.toServer.push(message);
      return fx;
    }
    fx.toServer.push(message);
    if (message.method === 'notifications/initialized') {
      merge(fx, this.verifier.start(this.capabilities ?? {}, now));
      merge(fx, this.releaseDeferred(now));
    }
    return fx;
  }

  private hostResponse(message: JsonRpcResult | JsonRpcError): Effects {
    const fx = emptyEffects();
    const id = message.id;
    const mapped = typeof id === 'number' ? this.table.takeServerRequest(id) : undefined;
    if (mapped === undefined) {
      fx.log.push(`host answered unknown request id ${JSON.stringify(id)}; dropped`);
      return fx;
    }
    fx.toServer.push({ ...message, id: mapped.serverId } as JsonRpcMessage);
    return fx;
  }

  // ---------------------------------------------------------------- server → host

  private serverRequest(message: JsonRpcRequest, now: number): Effects {
    const fx = emptyEffects();
    if (this.table.serverRequestCount >= this.config.limits.maxPending) {
      fx.toServer.push(limitErrors.tooManyPending(message.id, this.config.limits));
      return fx;
    }
    const meta = message.params?._meta;
    const token = isRecordValue(meta) ? meta.progressToken : undefined;
    const proxyId = this.table.addServerRequest(message.id, message.method, token);
    fx.toHost.push({ ...message, id: proxyId });
    if (message.method !== 'ping') {
      fx.audit.push(this.record(now, 'server→host', message.method, { decision: 'allow' }));
    }
    return fx;
  }

  private serverNotification(message: JsonRpcNotification, now: number): Effects {
    const fx = emptyEffects();
    if (message.method === 'notifications/progress') {
      const token = message.params?.progressToken;
      const hostToken = this.table.hostTokenOf(token);
      if (hostToken === undefined) {
        fx.log.push(`server progress for unknown token ${JSON.stringify(token)}; dropped`);
        return fx;
      }
      fx.toHost.push({ ...message, params: { ...message.params, progressToken: hostToken } });
      return fx;
    }
    if (message.method === 'notifications/cancelled') {
      const requestId = message.params?.requestId;
      const proxyId = this.table.cancelServerRequest(requestId);
      if (proxyId === undefined) {
        fx.log.push(`server cancelled unknown request ${JSON.stringify(requestId)}; dropped`);
        return fx;
      }
      fx.toHost.push({ ...message, params: { ...message.params, requestId: proxyId } });
      return fx;
    }
    const kinds = CHANGED[message.method];
    fx.toHost.push(message);
    if (kinds !== undefined) {
      fx.audit.push(
        this.record(now, 'server→host', message.method, { decision: 'allow', reason: 're-listing' }),
      );
      for (const kind of kinds) merge(fx, this.verifier.relist(kind, now));
    }
    return fx;
  }

  private serverResponse(message: JsonRpcResult | JsonRpcError, now: number, text?: string): Effects {
    const fx = emptyEffects();
    const id = message.id;
    const p = typeof id === 'number' ? this.table.get(id) : undefined;
    if (typeof id !== 'number' || p === undefined) {
      fx.log.push(`server sent a response with unknown or duplicate id ${JSON.stringify(id)}; dropped`);
      fx.audit.push(
        this.record(now, 'server→host', 'response', {
          decision: 'drop',
          reason: `unknown or duplicate id ${JSON.stringify(id)}`,
        }),
      );
      return fx;
    }
    this.table.finish(id, p);
    if (p.origin === 'proxy') {
      merge(fx, this.verifier.page(p, message, now));
      return merge(fx, this.releaseDeferred(now));
    }
    const listKind = LIST_METHODS[p.method];
    // Results are not decided on (except lists, re-serialized after filtering), so the server's text is
    // forwarded with only its id replaced: no stringify of large results on the hot path.
    let out: JsonRpcResult | JsonRpcError = withRawLine(
      { ...message, id: p.hostId },
      text === undefined || listKind !== undefined ? undefined : spliceId(text, id, p.hostId),
    );
    const audit = p.audit;
    if ('result' in message && listKind !== undefined) {
      const result = this.verifier.filterResponse(listKind, message.result, audit, fx);
      out = { jsonrpc: '2.0', id: p.hostId, result };
    }
    if (id === this.initializeId && 'result' in message) {
      const init = decideInitializeResult(
        this.config.entry,
        this.config.mode,
        message.result,
        now,
        this.record,
      );
      this.capabilities = init.capabilities;
      merge(fx, init.fx);
      if (init.rewritten !== undefined) out = { jsonrpc: '2.0', id: p.hostId, result: init.rewritten };
    }
    const policy = this.config.resultPolicy;
    if (policy !== undefined && 'result' in message && SCANNED.has(p.method)) {
      out = this.scanResult(policy, message.result, p.method, p.target ?? '', p.hostId, out, now, fx);
    }
    if (audit !== undefined) {
      audit.durationMs = now - p.started;
      if ('error' in message) audit.reason = audit.reason ?? `server error ${message.error.code}`;
      fx.audit.push(audit);
    }
    fx.toHost.push(out);
    return fx;
  }

  /**
   * Runtime content scanning: the result rules decide; enforce applies block (error kind `content`) and
   * redact, the other modes record what enforce would have done. Findings are logged and audited.
   */
  private scanResult(
    policy: ResultPolicy,
    result: Record<string, unknown>,
    method: string,
    target: string,
    hostId: JsonRpcId,
    out: JsonRpcResult | JsonRpcError,
    now: number,
    fx: Effects,
  ): JsonRpcResult | JsonRpcError {
    const decision = policy({ method: method as ResultPolicyInput['method'], name: target, result });
    if (decision.action === 'forward') return out;
    const verdicts = decision.verdicts.map((v) => ({
      pack: v.pack,
      rule: v.rule,
      severity: v.severity,
      message: v.message,
    }));
    for (const v of verdicts) fx.log.push(`content ${v.severity}: ${v.pack}/${v.rule}: ${v.message}`);
    const enforce = this.config.mode === 'enforce';
    const applied = enforce && (decision.action === 'block' || decision.action === 'redact');
    fx.audit.push(
      this.record(now, 'server→host', method, {
        target,
        decision: applied && decision.action === 'block' ? 'block' : 'allow',
        reason: `content ${decision.action}`,
        kind: 'content',
        verdicts,
        ...(!enforce && decision.action === 'block' ? { wouldBe: 'block' as const } : {}),
      }),
    );
    if (!applied) return out;
    if (decision.action === 'redact' && decision.result !== undefined)
      return { jsonrpc: '2.0', id: hostId, result: decision.result };
    return blockedError(hostId, {
      reason: verdicts.map((v) => v.message).join('; '),
      kind: 'content',
      server: this.config.serverName,
      method,
      target,
      verdicts: verdicts.map(({ pack, rule, message }) => ({ pack, rule, message })),
    });
  }

  /** Fail whatever request a proxy id belongs to (bad line, invalid message, timeout). */
  private failServerSide(proxyId: number, now: number, reason: string): Effects {
    const fx = emptyEffects();
    const p = this.table.get(proxyId);
    if (p === undefined) return fx;
    this.table.finish(proxyId, p);
    if (p.origin === 'proxy') {
      merge(fx, this.verifier.failed(p.kind, reason, now));
      return merge(fx, this.releaseDeferred(now));
    }
    fx.toHost.push(limitErrors.requestFailed(p.hostId, reason, this.config.serverName));
    fx.audit.push(
      this.record(now, 'server→host', p.method, {
        target: p.target,
        decision: 'error',
        reason,
        durationMs: now - p.started,
      }),
    );
    return fx;
  }

  /** Run the deferred requests whose verification has finished, in arrival order. */
  private releaseDeferred(now: number): Effects {
    const fx = emptyEffects();
    const ready = this.table.takeDeferred((d) => {
      const gate = GATED[d.message.method];
      return gate === undefined || !waitsForVerification(this.verifier, gate);
    });
    for (const d of ready) merge(fx, this.hostRequest(d.message, now));
    return fx;
  }

  private batch(values: unknown[], one: (v: unknown) => Effects, from: 'host' | 'server'): Effects {
    const fx = emptyEffects();
    if (values.length === 0) {
      fx.log.push(`${from} sent an empty batch; dropped`);
      return fx;
    }
    for (const v of values) merge(fx, one(v));
    return fx;
  }
}
