import type { ServerEntry } from '../lockfile/index.js';
import { ArgumentValidator } from './arguments.js';
import { type AuthorizeContext, gateOf, waitsForVerification } from './authorize.js';
import { type LineProblem, lineDropped, lineError } from './bad-line.js';
import { routeHostNotification, routeServerNotification } from './correlate.js';
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
import { decideDiscoverResult, decideInitializeResult } from './initialize.js';
import { decideInputRequired } from './input-required.js';
import { classify, errorResponse, isRecordValue } from './jsonrpc.js';
import { admitHostRequest, takeTimedOutDeferred, timedOut } from './limits.js';
import { CHANGED, LIST_METHODS, ListVerifier } from './list-verifier.js';
import { extensionSet, gateMethod, type MethodGateContext } from './method-gate.js';
import { type MessageRole, PROTOCOL_VERSION_META } from './methods.js';
import { RequestTable } from './request-table.js';
import { LISTEN_METHOD, listenUris, mapSubscription, withHostSubscriptionId } from './subscriptions.js';
import { isLockedTaskMethod, TaskOwnership } from './tasks.js';
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
  /** Extension methods (outside the spec) a policy pack allowed; exact names. */
  allowMethods?: readonly string[];
  /** Validate tools/call and prompts/get arguments against the locked entry (default true). */
  validateArguments?: boolean;
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
  private readonly methods: MethodGateContext;
  private readonly tasks = new TaskOwnership();
  private capabilities: Record<string, unknown> | undefined;
  private initializeId: number | undefined;
  /** An initialize was forwarded and not answered yet: the server is not ready for capseal's lists. */
  private initializePending = false;
  /** The session's version came from a 2026-07-28 envelope, not a handshake (a 2025 initialize resets it). */
  private versionFromEnvelope = false;

  constructor(config: SessionConfig) {
    this.config = config;
    this.record = recorderFor(config.sessionId);
    const { entry, mode, normalizers, limits, serverName, policy } = config;
    this.verifier = new ListVerifier(
      { entry, mode, normalizers, pageCap: limits.pageCap, record: this.record },
      this.table,
    );
    this.auth = { serverName, entry, mode, view: this.verifier, ...(policy ? { policy } : {}) };
    if (config.validateArguments !== false) this.auth.args = new ArgumentValidator();
    const extensions = extensionSet(config.allowMethods);
    this.methods = {
      serverName,
      mode,
      version: undefined,
      extensions,
      record: this.record,
      ...(policy ? { policy } : {}),
    };
  }

  /** Gate a method by protocol version and direction: the refusal's effects, or undefined to go on. */
  private refuseMethod(
    role: MessageRole,
    message: JsonRpcRequest | JsonRpcNotification,
    now: number,
    fx: Effects,
  ) {
    const gate = gateMethod(this.methods, role, message, now);
    if (gate?.audit) merge(fx, gate.audit);
    return gate?.refused;
  }

  /** Number of requests in flight in both directions plus deferred ones (for tests and memory bounds). */
  get inFlight(): number {
    return this.table.size;
  }

  /** One parsed line from the host (a message or a batch). */
  fromHost(value: unknown, now: number): Effects {
    if (Array.isArray(value)) return this.batch(value, (v) => this.fromHost(v, now), 'host', now);
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
        if (c.id !== undefined && !c.response)
          fx.toHost.push(errorResponse(c.id, { code: -32600, message: `Invalid Request: ${c.reason}` }));
        return fx;
      }
    }
  }

  /** One parsed line from the server (a message or a batch); `text` is the line it was parsed from. */
  fromServer(value: unknown, now: number, text?: string): Effects {
    if (Array.isArray(value)) return this.batch(value, (v) => this.fromServer(v, now), 'server', now);
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
        if (typeof c.id === 'number' && this.table.get(c.id) !== undefined)
          merge(fx, this.failServerSide(c.id, now, `server sent an invalid message (${c.reason})`));
        else if (c.id !== undefined)
          fx.toServer.push(errorResponse(c.id, { code: -32600, message: `Invalid Request: ${c.reason}` }));
        return fx;
      }
    }
  }

  /** A line from the host that was refused before parsing (size, JSON, depth); `id` when it is known. */
  badHostLine(id: JsonRpcId | undefined, problem: LineProblem, detail: string, now: number): Effects {
    const fx = lineDropped('host', problem, detail, now, this.record);
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
    const fx = lineDropped('server', problem, detail, now, this.record);
    if (id !== undefined && request) fx.toServer.push(lineError(id, problem, detail, this.config.limits));
    else if (typeof id === 'number')
      merge(fx, this.failServerSide(id, now, `server response dropped: ${detail}`));
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
    if (message.method === 'initialize' && this.versionFromEnvelope) {
      // A host mixing generations: its 2025 handshake is decided as one, whatever it sent before.
      this.methods.version = undefined;
      this.versionFromEnvelope = false;
    }
    const lockedTask = isLockedTaskMethod(message, this.config.entry.server.capabilities);
    const refusedMethod = lockedTask ? undefined : this.refuseMethod('hostRequests', message, now, fx);
    if (refusedMethod) return refusedMethod;
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
    const foreignTask = this.tasks.refused(message);
    if (foreignTask !== undefined) {
      const reason = `task ${JSON.stringify(foreignTask.taskId)} was not created by this client`;
      const enforce = this.config.mode === 'enforce';
      fx.audit.push(
        this.record(now, 'host→server', message.method, {
          target: String(foreignTask.taskId),
          decision: enforce ? 'block' : 'allow',
          reason,
          kind: 'task-not-owned',
          ...(enforce ? {} : { wouldBe: 'block' as const }),
        }),
      );
      if (enforce) {
        fx.toHost.push(
          blockedError(message.id, {
            reason,
            kind: 'task-not-owned',
            server: this.config.serverName,
            method: message.method,
            target: String(foreignTask.taskId),
          }),
        );
        return fx;
      }
    }
    const gated = gateOf(message);
    merge(fx, this.startOn(message, gated !== undefined, now));
    let decision: GateDecision = { type: 'forward' };
    if (gated !== undefined) {
      decision = decideGated(this.auth, this.config, gated.gate, gated.target, message, now, this.record);
      if (decision.type === 'defer') {
        this.table.defer(message, now);
        return fx;
      }
      if (decision.type === 'block') {
        fx.toHost.push(decision.error);
        fx.audit.push(decision.audit);
        return fx;
      }
    } else if (message.method === LISTEN_METHOD) {
      const listen = this.decideListen(message, now);
      if (listen.type === 'defer') {
        this.table.defer(message, now);
        return fx;
      }
      if (listen.type === 'block') return merge(fx, listen.fx);
      merge(fx, listen.fx);
      decision = { type: 'forward', stream: true } as GateDecision;
    } else if (
      Object.hasOwn(LIST_METHODS, message.method) ||
      message.method === 'initialize' ||
      message.method === 'server/discover'
    ) {
      decision.audit = this.record(now, 'host→server', message.method, { decision: 'allow' });
    }
    const { type: _forward, ...pending } = decision;
    const { proxyId, params } = this.table.addHost(message, { started: now, ...pending });
    if (message.method === 'initialize') {
      this.initializeId = proxyId;
      this.initializePending = true;
      const asked = params?.protocolVersion;
      if (typeof asked === 'string' && this.methods.version === undefined) this.methods.version = asked;
    }
    const out: JsonRpcRequest = { jsonrpc: '2.0', id: proxyId, method: message.method };
    if (params !== undefined) out.params = params;
    // Always re-serialized from what was decided on: forwarding the host's raw text would let duplicate
    // keys ({"name":"exec_shell","name":"echo"}) mean one thing to us and another to the server.
    fx.toServer.push(out);
    return fx;
  }

  private hostNotification(message: JsonRpcNotification, now: number): Effects {
    const fx = emptyEffects();
    const refusedMethod = this.refuseMethod('hostNotifications', message, now, fx);
    if (refusedMethod) return refusedMethod;
    if (routeHostNotification(this.table, message, fx)) return fx;
    fx.toServer.push(message);
    if (message.method === 'notifications/initialized' && !this.verifier.started) {
      this.verifier.setEnvelope(undefined);
      merge(fx, this.verifier.start(this.capabilities ?? {}, now));
      merge(fx, this.releaseDeferred(now));
    }
    return fx;
  }

  /**
   * A `subscriptions/listen`: every resource URI it subscribes to passes the same rules as a
   * `resources/read` of it (locked, verified, policy); in enforce one refused URI refuses the stream.
   * Waits like a read while resources are being verified.
   */
  private decideListen(
    message: JsonRpcRequest,
    now: number,
  ): { type: 'defer' | 'block' | 'forward'; fx: Effects } {
    const fx = emptyEffects();
    for (const uri of listenUris(message)) {
      const read: JsonRpcRequest = {
        jsonrpc: '2.0',
        id: message.id,
        method: 'resources/read',
        params: { uri },
      };
      const target = typeof uri === 'string' ? uri : undefined;
      const d = decideGated(this.auth, this.config, 'resources', target, read, now, this.record);
      if (d.type === 'defer') return { type: 'defer', fx: emptyEffects() };
      if (d.type === 'block') {
        d.audit.method = LISTEN_METHOD;
        const error = d.error as { error: { data?: Record<string, unknown> } };
        if (error.error.data) error.error.data.method = LISTEN_METHOD;
        fx.toHost.push(d.error);
        fx.audit.push(d.audit);
        return { type: 'block', fx };
      }
      if (d.audit) {
        d.audit.method = LISTEN_METHOD;
        fx.audit.push(d.audit);
      }
    }
    return { type: 'forward', fx };
  }

  /**
   * Start verification on the first list, `server/discover` or gated request of either generation (a
   * 2026-07-28 client never sends `notifications/initialized`), unless a 2025 handshake is half-way (the
   * server is not ready before initialize is answered). capseal's own lists carry the `_meta` envelope of
   * the host request that caused them, so a modern server accepts them; re-lists after list_changed reuse
   * the last one. Capabilities are the live ones when a handshake told them, else the locked ones.
   */
  private startOn(message: JsonRpcRequest, gated: boolean, now: number): Effects {
    const envelope = envelopeOf(message);
    if (envelope !== undefined) {
      this.verifier.setEnvelope(envelope);
      // Server messages carry no envelope of their own: decide them under the host's modern version
      // until a 2025 handshake negotiates one.
      const version = envelope[PROTOCOL_VERSION_META];
      if (this.methods.version === undefined && typeof version === 'string') {
        this.methods.version = version;
        this.versionFromEnvelope = true;
      }
    }
    const triggers =
      gated || Object.hasOwn(LIST_METHODS, message.method) || message.method === 'server/discover';
    if (!triggers || this.verifier.started || this.initializePending) return emptyEffects();
    if (envelope === undefined) this.verifier.setEnvelope(undefined);
    return this.verifier.start(this.capabilities ?? this.config.entry.server.capabilities, now);
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
    const refusedMethod = this.refuseMethod('serverRequests', message, now, fx);
    if (refusedMethod) return refusedMethod;
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
    const refusedMethod = this.refuseMethod('serverNotifications', message, now, fx);
    if (refusedMethod) return refusedMethod;
    if (routeServerNotification(this.table, message, fx)) return fx;
    const mapped = mapSubscription(this.table, message, 'params');
    if ('unknown' in mapped) {
      fx.log.push(
        `server sent ${message.method} for unknown subscription ${JSON.stringify(mapped.unknown)}; dropped`,
      );
      fx.audit.push(
        this.record(now, 'server→host', message.method, {
          decision: 'drop',
          reason: `unknown subscription ${JSON.stringify(mapped.unknown)}`,
        }),
      );
      return fx;
    }
    // Own keys only: a method named `__proto__` or `constructor` must not index the prototype.
    const kinds = Object.hasOwn(CHANGED, message.method) ? CHANGED[message.method] : undefined;
    fx.toHost.push(mapped.kept);
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
    const listKind = Object.hasOwn(LIST_METHODS, p.method) ? LIST_METHODS[p.method] : undefined;
    // Results are not decided on (except lists, re-serialized after filtering), so the server's text is
    // forwarded with only its id replaced: no stringify of large results on the hot path.
    let out: JsonRpcResult | JsonRpcError = withRawLine(
      { ...message, id: p.hostId },
      text === undefined || listKind !== undefined ? undefined : spliceId(text, id, p.hostId),
    );
    const audit = p.audit;
    if ('result' in message) {
      this.tasks.noteResult(message.result);
      if (p.method === 'tasks/list' && this.config.mode !== 'audit-only')
        out = { jsonrpc: '2.0', id: p.hostId, result: this.tasks.filterList(message.result) };
    }
    if ('result' in message && message.result.resultType === 'input_required') {
      const { serverName, mode, policy } = this.config;
      const ctx = { serverName, mode, record: this.record, ...(policy ? { policy } : {}) };
      const mrtr = decideInputRequired(ctx, p.hostId, p.method, message.result, now);
      if (mrtr !== undefined) {
        merge(fx, mrtr);
        if (mrtr.toHost.length > 0) {
          if (audit !== undefined) {
            audit.durationMs = now - p.started;
            audit.reason = 'input_required refused';
            fx.audit.push(audit);
          }
          return fx;
        }
      }
    }
    if ('result' in message && p.method === LISTEN_METHOD) {
      out = { jsonrpc: '2.0', id: p.hostId, result: withHostSubscriptionId(message.result, p.hostId) };
    }
    if ('result' in message && listKind !== undefined) {
      const result = this.verifier.filterResponse(listKind, message.result, audit, fx);
      out = { jsonrpc: '2.0', id: p.hostId, result };
    }
    if (id === this.initializeId) this.initializePending = false;
    if (p.method === 'server/discover' && 'result' in message) {
      const discover = decideDiscoverResult(
        this.config.entry,
        this.config.mode,
        message.result,
        now,
        this.record,
      );
      merge(fx, discover.fx);
      if (discover.rewritten !== undefined)
        out = { jsonrpc: '2.0', id: p.hostId, result: discover.rewritten };
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
      if (init.protocolVersion !== undefined) {
        this.methods.version = init.protocolVersion;
        this.versionFromEnvelope = false;
      }
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
      if (d.message.method === LISTEN_METHOD)
        return (
          !waitsForVerification(this.verifier, 'resources') &&
          !waitsForVerification(this.verifier, 'resourceTemplates')
        );
      const gated = gateOf(d.message);
      return gated === undefined || !waitsForVerification(this.verifier, gated.gate);
    });
    for (const d of ready) merge(fx, this.hostRequest(d.message, now));
    return fx;
  }

  /**
   * A JSON-RPC batch: split and decided message by message for peers of protocol versions that had
   * batches (2025-03-26 and older); refused for the versions that removed them (2025-06-18 and later,
   * including 2026-07-28), named by the session's negotiated version or any member's `_meta`. A refused
   * host batch answers each request in it with Invalid Request and is audited; a server batch is dropped.
   */
  private batch(
    values: unknown[],
    one: (v: unknown) => Effects,
    from: 'host' | 'server',
    now: number,
  ): Effects {
    const fx = emptyEffects();
    if (values.length === 0) {
      fx.log.push(`${from} sent an empty batch; dropped`);
      return fx;
    }
    const version = batchVersion(values, this.methods.version);
    if (version !== undefined && version >= BATCHES_REMOVED_IN) {
      const reason = `JSON-RPC batches are not part of protocol ${version}`;
      fx.log.push(`${from} sent a batch of ${values.length}; refused (${reason})`);
      const direction = from === 'host' ? 'host→server' : 'server→host';
      fx.audit.push(this.record(now, direction, 'batch', { decision: 'block', reason, kind: 'batch' }));
      if (from === 'host')
        for (const v of values) {
          const c = classify(v);
          if (c.type === 'request')
            fx.toHost.push(
              errorResponse(c.message.id, { code: -32600, message: `Invalid Request: ${reason}` }),
            );
        }
      return fx;
    }
    for (const v of values) merge(fx, one(v));
    return fx;
  }
}

/** The first protocol version without JSON-RPC batches. */
const BATCHES_REMOVED_IN = '2025-06-18';

/** The protocol version a batch is under: the newest any member names in `_meta`, else the session's. */
function batchVersion(values: readonly unknown[], session: string | undefined): string | undefined {
  let newest = session;
  for (const v of values) {
    const params = isRecordValue(v) ? v.params : undefined;
    const meta = isRecordValue(params) ? params._meta : undefined;
    const own = isRecordValue(meta) ? meta[PROTOCOL_VERSION_META] : undefined;
    if (typeof own === 'string' && (newest === undefined || own > newest)) newest = own;
  }
  return newest;
}

/** The envelope keys capseal copies from a 2026-07-28 host request onto its own lists. */
const ENVELOPE_KEYS = [
  PROTOCOL_VERSION_META,
  'io.modelcontextprotocol/clientInfo',
  'io.modelcontextprotocol/clientCapabilities',
] as const;

/** The 2026-07-28 `_meta` envelope of a request (protocol version, client info, capabilities), if any. */
function envelopeOf(message: JsonRpcRequest): Record<string, unknown> | undefined {
  const meta = message.params?._meta;
  if (!isRecordValue(meta) || typeof meta[PROTOCOL_VERSION_META] !== 'string') return undefined;
  const out: Record<string, unknown> = {};
  for (const key of ENVELOPE_KEYS) if (meta[key] !== undefined) out[key] = meta[key];
  return out;
}
