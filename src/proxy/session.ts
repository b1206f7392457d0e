import type { EntryKind, ServerEntry } from '../lockfile/index.js';
import { spliceId, withRawLine } from './framing.js';
import { classify, errorResponse, idKey, isRecordValue } from './jsonrpc.js';
import {
  type AuditRecord,
  BLOCKED_CODE,
  type CallPolicy,
  type Effects,
  type EntryNormalizers,
  type JsonRpcError,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResult,
  LIMIT_CODE,
  type ProxyLimits,
  type ProxyMode,
  SERVER_GONE_CODE,
} from './types.js';
import { matchesTemplate, normalizeResourceUri } from './uri.js';

/** Everything a session needs, injected (no I/O, no clock: `now` is passed to each call). */
export interface SessionConfig {
  sessionId: string;
  serverName: string;
  entry: ServerEntry;
  mode: ProxyMode;
  limits: ProxyLimits;
  normalizers: EntryNormalizers;
  policy?: CallPolicy;
  /** Put argument values in audit records (off by default: they may hold secrets). */
  auditArguments?: boolean;
  /** Build records for allowed calls (default true; the shell turns it off when there is no audit log). */
  recordAllowed?: boolean;
}

/** Why a request is blocked: the `data` object of the BLOCKED_CODE error a host receives. */
export interface BlockData {
  reason: string;
  /** added | changed | removed | unverified | not-locked | invalid-uri | policy | relist-failed */
  kind: string;
  server: string;
  method: string;
  target?: string;
  verdicts?: { pack: string; rule: string; message: string }[];
}

const LIST_METHODS: Record<string, EntryKind> = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
  'resources/templates/list': 'resourceTemplates',
};
const METHOD_OF: Record<EntryKind, string> = {
  tools: 'tools/list',
  prompts: 'prompts/list',
  resources: 'resources/list',
  resourceTemplates: 'resources/templates/list',
};
const CHANGED: Record<string, EntryKind[]> = {
  'notifications/tools/list_changed': ['tools'],
  'notifications/prompts/list_changed': ['prompts'],
  'notifications/resources/list_changed': ['resources', 'resourceTemplates'],
};
/** Memoized normalizations kept (bounded memory: cleared when full). */
const NORMALIZE_CACHE_MAX = 20_000;
const KINDS: EntryKind[] = ['tools', 'prompts', 'resources', 'resourceTemplates'];
const SINGULAR: Record<EntryKind, string> = {
  tools: 'tool',
  prompts: 'prompt',
  resources: 'resource',
  resourceTemplates: 'resource template',
};
/** Requests whose target is checked against the verified lock before they may reach the server. */
const GATED: Record<string, 'tools' | 'prompts' | 'resources'> = {
  'tools/call': 'tools',
  'prompts/get': 'prompts',
  'resources/read': 'resources',
  'resources/subscribe': 'resources',
};

interface HostPending {
  origin: 'host';
  hostId: JsonRpcId;
  method: string;
  started: number;
  target?: string;
  digest?: string;
  progressToken?: { proxy: string; host: string | number };
  audit?: AuditRecord;
}
interface RelistPending {
  origin: 'proxy';
  kind: EntryKind;
  started: number;
}
type Pending = HostPending | RelistPending;

interface Relist {
  pages: number;
  verified: Map<string, string>;
  rerun: boolean;
}

type Authorization =
  | { type: 'allow'; digest?: string; entry?: unknown }
  | { type: 'defer' }
  | { type: 'block'; data: BlockData };

function emptyEffects(): Effects {
  return { toServer: [], toHost: [], audit: [], log: [] };
}

function merge(into: Effects, from: Effects): Effects {
  into.toServer.push(...from.toServer);
  into.toHost.push(...from.toHost);
  into.audit.push(...from.audit);
  into.log.push(...from.log);
  return into;
}

function stringParam(params: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = params?.[key];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The proxy's decision core: a JSON-RPC state machine between one host and one server. Every message goes
 * through `fromHost`/`fromServer`, which return the messages to send on each side plus audit records and
 * log lines; nothing here does I/O. Guarantees:
 * - Host request ids never reach the server (proxy ids do); server→client request ids are mapped
 *   separately; responses with unknown or duplicate ids are dropped and logged.
 * - In enforce mode a tools/call, prompts/get or resources/read is forwarded only when its target appeared
 *   in a list response of THIS session whose normalized digest equals the lockfile's, and no later list
 *   showed it drifted (drift is sticky for the session); call-time policy can still deny it.
 * - List responses are filtered entry by entry (enforce, filter-only); cursors and other fields are kept.
 */
export class ProxySession {
  readonly config: SessionConfig;
  private nextServerId = 1;
  private nextHostId = 1;
  private readonly pending = new Map<number, Pending>();
  private hostPendingCount = 0;
  /** host id key → proxy id, for cancellation. */
  private readonly hostIds = new Map<string, number>();
  /** proxy progress token → host progress token. */
  private readonly progress = new Map<string, string | number>();
  /** proxy id (as the host sees it) → the server's own id for a server→client request. */
  private readonly serverRequests = new Map<
    number,
    { serverId: JsonRpcId; method: string; token?: unknown }
  >();
  private readonly verified: Record<EntryKind, Map<string, string>>;
  private readonly drifted: Record<EntryKind, Map<string, string>>;
  /** Kinds whose verification is not finished: gated calls wait (enforce). */
  private readonly stale = new Set<EntryKind>(KINDS);
  private readonly relists = new Map<EntryKind, Relist>();
  private deferred: { message: JsonRpcRequest; received: number }[] = [];
  private capabilities: Record<string, unknown> | undefined;
  private readonly normalized = new Map<string, { key: string; digest: string } | null>();
  private initializeId: number | undefined;

  constructor(config: SessionConfig) {
    this.config = config;
    this.verified = {
      tools: new Map(),
      prompts: new Map(),
      resources: new Map(),
      resourceTemplates: new Map(),
    };
    this.drifted = {
      tools: new Map(),
      prompts: new Map(),
      resources: new Map(),
      resourceTemplates: new Map(),
    };
  }

  /** Number of requests in flight in both directions plus deferred ones (for tests and memory bounds). */
  get inFlight(): number {
    return this.pending.size + this.serverRequests.size + this.deferred.length;
  }

  /** One parsed line from the host (a message or a batch). */
  fromHost(value: unknown, now: number): Effects {
    if (Array.isArray(value)) return this.batch(value, now, (v) => this.fromHost(v, now), 'host');
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
    if (Array.isArray(value)) return this.batch(value, now, (v) => this.fromServer(v, now), 'server');
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
          ? errorResponse(id, {
              code: LIMIT_CODE,
              message: 'capseal: message too large',
              data: { reason: detail, limit: 'maxLineBytes', maxLineBytes: this.config.limits.maxLineBytes },
            })
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
    const limit = this.config.limits.requestTimeoutMs;
    for (const [id, p] of this.pending) {
      if (now - p.started < limit) continue;
      merge(fx, this.failServerSide(id, now, `no answer within ${limit} ms`));
      fx.toServer.push({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: id, reason: 'capseal: timeout' },
      });
    }
    const expired = this.deferred.filter((d) => now - d.received >= limit);
    if (expired.length > 0) {
      this.deferred = this.deferred.filter((d) => now - d.received < limit);
      for (const d of expired) {
        fx.toHost.push(
          errorResponse(d.message.id, {
            code: LIMIT_CODE,
            message: 'capseal: timed out waiting for list verification',
            data: { reason: `no verified list within ${limit} ms`, limit: 'requestTimeoutMs' },
          }),
        );
      }
    }
    return fx;
  }

  /** The server is gone: every pending host request gets an error; nothing more will be forwarded. */
  serverExited(reason: string, now: number): Effects {
    const fx = emptyEffects();
    const data = { reason, server: this.config.serverName };
    for (const p of this.pending.values()) {
      if (p.origin !== 'host') continue;
      fx.toHost.push(
        errorResponse(p.hostId, { code: SERVER_GONE_CODE, message: 'capseal: server exited', data }),
      );
      fx.audit.push(
        this.record(now, 'server→host', p.method, {
          decision: 'error',
          reason,
          target: p.target,
          durationMs: now - p.started,
        }),
      );
    }
    for (const d of this.deferred) {
      fx.toHost.push(
        errorResponse(d.message.id, { code: SERVER_GONE_CODE, message: 'capseal: server exited', data }),
      );
    }
    this.pending.clear();
    this.deferred = [];
    this.hostIds.clear();
    this.hostPendingCount = 0;
    fx.log.push(`server exited: ${reason}`);
    return fx;
  }

  // ---------------------------------------------------------------- host → server

  private hostRequest(message: JsonRpcRequest, now: number): Effects {
    const fx = emptyEffects();
    if (this.hostIds.has(idKey(message.id))) {
      fx.log.push(`host reused in-flight request id ${JSON.stringify(message.id)}; rejected`);
      fx.toHost.push(
        errorResponse(message.id, { code: -32600, message: 'Invalid Request: id already in flight' }),
      );
      return fx;
    }
    if (this.hostPendingCount + this.deferred.length >= this.config.limits.maxPending) {
      fx.log.push(
        `pending request cap (${this.config.limits.maxPending}) reached; ${message.method} refused`,
      );
      fx.toHost.push(
        errorResponse(message.id, {
          code: LIMIT_CODE,
          message: 'capseal: too many pending requests',
          data: {
            reason: 'pending request cap reached',
            limit: 'maxPending',
            maxPending: this.config.limits.maxPending,
          },
        }),
      );
      fx.audit.push(
        this.record(now, 'host→server', message.method, { decision: 'block', reason: 'maxPending' }),
      );
      return fx;
    }
    const gate = GATED[message.method];
    let digest: string | undefined;
    let target: string | undefined;
    let audit: AuditRecord | undefined;
    if (gate !== undefined) {
      target =
        gate === 'resources' ? stringParam(message.params, 'uri') : stringParam(message.params, 'name');
      const auth = this.authorize(gate, message, target);
      if (auth.type === 'defer') {
        this.deferred.push({ message, received: now });
        return fx;
      }
      const args = this.config.auditArguments
        ? gate === 'resources'
          ? { uri: target }
          : (message.params?.arguments ?? {})
        : undefined;
      if (auth.type === 'block') {
        if (this.config.mode === 'enforce') {
          fx.toHost.push(
            errorResponse(message.id, {
              code: BLOCKED_CODE,
              message: `capseal: blocked: ${auth.data.reason}`,
              data: auth.data,
            }),
          );
          fx.audit.push(
            this.record(now, 'host→server', message.method, {
              target,
              decision: 'block',
              reason: auth.data.reason,
              kind: auth.data.kind,
              durationMs: 0,
              arguments: args,
              verdicts: auth.data.verdicts as AuditRecord['verdicts'],
            }),
          );
          return fx;
        }
        audit = this.record(now, 'host→server', message.method, {
          target,
          decision: 'allow',
          reason: auth.data.reason,
          kind: auth.data.kind,
          wouldBe: 'block',
          arguments: args,
        });
      } else {
        digest = auth.digest;
        // The hot path: an allowed call builds its record only when someone reads records.
        if (this.config.recordAllowed !== false) {
          audit = this.record(now, 'host→server', message.method, {
            target,
            decision: 'allow',
            digest,
            arguments: args,
          });
        }
      }
    } else if (message.method in LIST_METHODS || message.method === 'initialize') {
      audit = this.record(now, 'host→server', message.method, { decision: 'allow' });
    }
    const proxyId = this.nextServerId++;
    const pending: HostPending = { origin: 'host', hostId: message.id, method: message.method, started: now };
    if (target !== undefined) pending.target = target;
    if (digest !== undefined) pending.digest = digest;
    if (audit !== undefined) pending.audit = audit;
    let params = message.params;
    const meta = params?._meta;
    if (
      isRecordValue(meta) &&
      (typeof meta.progressToken === 'string' || typeof meta.progressToken === 'number')
    ) {
      const proxyToken = `capseal-${proxyId}`;
      pending.progressToken = { proxy: proxyToken, host: meta.progressToken };
      this.progress.set(proxyToken, meta.progressToken);
      params = { ...params, _meta: { ...meta, progressToken: proxyToken } };
    }
    if (message.method === 'initialize') this.initializeId = proxyId;
    this.pending.set(proxyId, pending);
    this.hostIds.set(idKey(message.id), proxyId);
    this.hostPendingCount++;
    const out: JsonRpcRequest = { jsonrpc: '2.0', id: proxyId, method: message.method };
    if (params !== undefined) out.params = params;
    // Always re-serialized from what was decided on: forwarding the host's raw text would let duplicate
    // keys ({"name":"exec_shell","name":"echo"}) mean one thing to us and another to the server.
    fx.toServer.push(out);
    return fx;
  }

  private authorize(
    gate: 'tools' | 'prompts' | 'resources',
    message: JsonRpcRequest,
    target: string | undefined,
  ): Authorization {
    const { serverName } = this.config;
    const base = { server: serverName, method: message.method };
    if (target === undefined) {
      return {
        type: 'block',
        data: { ...base, reason: `${message.method} without a target`, kind: 'invalid' },
      };
    }
    const enforce = this.config.mode === 'enforce';
    let auth: Authorization;
    if (gate === 'resources') {
      auth = this.authorizeUri(target, base);
    } else {
      const locked = Object.hasOwn(this.config.entry[gate], target);
      if (enforce && locked && this.stale.has(gate)) return { type: 'defer' };
      auth = this.authorizeEntry(gate, target, base);
    }
    if (auth.type !== 'allow' || this.config.policy === undefined) return auth;
    const args = gate === 'resources' ? { uri: target } : message.params?.arguments;
    const verdicts = this.config.policy({
      method: message.method,
      kind: gate,
      name: target,
      entry: auth.entry,
      arguments: isRecordValue(args) ? args : {},
    });
    const denies = verdicts.filter((v) => v.severity === 'error');
    if (denies.length === 0) return auth;
    return {
      type: 'block',
      data: {
        ...base,
        target,
        reason: denies.map((v) => v.message).join('; '),
        kind: 'policy',
        verdicts: denies.map((v) => ({ pack: v.pack, rule: v.rule, message: v.message })),
      },
    };
  }

  private authorizeEntry(
    kind: 'tools' | 'prompts',
    name: string,
    base: { server: string; method: string },
  ): Authorization {
    const locked = (this.config.entry[kind] as Record<string, { digest: string }>)[name];
    const what = `${SINGULAR[kind]} "${name}"`;
    const data = { ...base, target: name };
    if (locked === undefined || !Object.hasOwn(this.config.entry[kind], name)) {
      return {
        type: 'block',
        data: { ...data, reason: `${what} is not in the lockfile`, kind: 'not-locked' },
      };
    }
    const drift = this.drifted[kind].get(name);
    if (drift !== undefined) {
      return {
        type: 'block',
        data: {
          ...data,
          reason: `${what} differs from the lockfile in this session (${drift})`,
          kind: drift,
        },
      };
    }
    if (this.verified[kind].get(name) !== locked.digest) {
      return {
        type: 'block',
        data: { ...data, reason: `${what} was not listed by the server in this session`, kind: 'removed' },
      };
    }
    return { type: 'allow', digest: locked.digest, entry: locked };
  }

  private authorizeUri(uri: string, base: { server: string; method: string }): Authorization {
    const data = { ...base, target: uri };
    const checked = normalizeResourceUri(uri);
    if (!checked.ok)
      return {
        type: 'block',
        data: { ...data, reason: `URI refused: ${checked.reason}`, kind: 'invalid-uri' },
      };
    if (
      this.config.mode === 'enforce' &&
      (this.stale.has('resources') || this.stale.has('resourceTemplates'))
    ) {
      return { type: 'defer' };
    }
    const { resources, resourceTemplates } = this.config.entry;
    let drift: string | undefined;
    for (const [key, locked] of Object.entries(resources)) {
      const k = normalizeResourceUri(key);
      if (!k.ok || k.normalized !== checked.normalized) continue;
      drift = this.drifted.resources.get(key);
      if (drift === undefined && this.verified.resources.get(key) === locked.digest) {
        return { type: 'allow', digest: locked.digest, entry: locked };
      }
    }
    for (const [template, locked] of Object.entries(resourceTemplates)) {
      if (!matchesTemplate(checked.normalized, template)) continue;
      const d = this.drifted.resourceTemplates.get(template);
      if (d !== undefined) {
        drift = d;
        continue;
      }
      if (this.verified.resourceTemplates.get(template) === locked.digest) {
        return { type: 'allow', digest: locked.digest, entry: locked };
      }
    }
    if (drift !== undefined) {
      return {
        type: 'block',
        data: { ...data, reason: `resource "${uri}" differs from the lockfile (${drift})`, kind: drift },
      };
    }
    return {
      type: 'block',
      data: {
        ...data,
        reason: 'URI matches no verified locked resource or resource template',
        kind: 'not-locked',
      },
    };
  }

  private hostNotification(message: JsonRpcNotification, now: number): Effects {
    const fx = emptyEffects();
    if (message.method === 'notifications/cancelled') {
      const requestId = message.params?.requestId;
      if (typeof requestId !== 'string' && typeof requestId !== 'number') {
        fx.log.push('host cancelled without a requestId; dropped');
        return fx;
      }
      const deferredIdx = this.deferred.findIndex((d) => idKey(d.message.id) === idKey(requestId));
      if (deferredIdx >= 0) {
        this.deferred.splice(deferredIdx, 1);
        return fx;
      }
      const proxyId = this.hostIds.get(idKey(requestId));
      if (proxyId === undefined) {
        fx.log.push(`host cancelled unknown request ${JSON.stringify(requestId)}; dropped`);
        return fx;
      }
      const p = this.pending.get(proxyId);
      if (p?.origin === 'host') this.finishHost(proxyId, p);
      fx.toServer.push({ ...message, params: { ...message.params, requestId: proxyId } });
      return fx;
    }
    if (message.method === 'notifications/progress') {
      const token = message.params?.progressToken;
      const known = [...this.serverRequests.values()].some((r) => r.token !== undefined && r.token === token);
      if (!known) {
        fx.log.push(`host progress for unknown token ${JSON.stringify(token)}; dropped`);
        return fx;
      }
      fx.toServer.push(message);
      return fx;
    }
    fx.toServer.push(message);
    if (message.method === 'notifications/initialized') merge(fx, this.startVerification(now));
    return fx;
  }

  private hostResponse(message: JsonRpcResult | JsonRpcError): Effects {
    const fx = emptyEffects();
    const id = message.id;
    const mapped = typeof id === 'number' ? this.serverRequests.get(id) : undefined;
    if (typeof id !== 'number' || mapped === undefined) {
      fx.log.push(`host answered unknown request id ${JSON.stringify(id)}; dropped`);
      return fx;
    }
    this.serverRequests.delete(id);
    fx.toServer.push({ ...message, id: mapped.serverId } as JsonRpcMessage);
    return fx;
  }

  // ---------------------------------------------------------------- server → host

  private serverRequest(message: JsonRpcRequest, now: number): Effects {
    const fx = emptyEffects();
    if (this.serverRequests.size >= this.config.limits.maxPending) {
      fx.toServer.push(
        errorResponse(message.id, { code: LIMIT_CODE, message: 'capseal: too many pending requests' }),
      );
      return fx;
    }
    const proxyId = this.nextHostId++;
    const meta = message.params?._meta;
    const token = isRecordValue(meta) ? meta.progressToken : undefined;
    this.serverRequests.set(proxyId, { serverId: message.id, method: message.method, token });
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
      const hostToken = typeof token === 'string' ? this.progress.get(token) : undefined;
      if (hostToken === undefined) {
        fx.log.push(`server progress for unknown token ${JSON.stringify(token)}; dropped`);
        return fx;
      }
      fx.toHost.push({ ...message, params: { ...message.params, progressToken: hostToken } });
      return fx;
    }
    if (message.method === 'notifications/cancelled') {
      const requestId = message.params?.requestId;
      for (const [proxyId, r] of this.serverRequests) {
        if (typeof requestId !== 'object' && r.serverId === requestId) {
          this.serverRequests.delete(proxyId);
          fx.toHost.push({ ...message, params: { ...message.params, requestId: proxyId } });
          return fx;
        }
      }
      fx.log.push(`server cancelled unknown request ${JSON.stringify(requestId)}; dropped`);
      return fx;
    }
    const kinds = CHANGED[message.method];
    if (kinds !== undefined) {
      fx.toHost.push(message);
      fx.audit.push(
        this.record(now, 'server→host', message.method, { decision: 'allow', reason: 're-listing' }),
      );
      for (const kind of kinds) merge(fx, this.relist(kind, now));
      return fx;
    }
    fx.toHost.push(message);
    return fx;
  }

  private serverResponse(message: JsonRpcResult | JsonRpcError, now: number, text?: string): Effects {
    const fx = emptyEffects();
    const id = message.id;
    const p = typeof id === 'number' ? this.pending.get(id) : undefined;
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
    if (p.origin === 'proxy') return this.relistPage(id, p, message, now);
    this.finishHost(id, p);
    // Results are not decided on (except lists, re-serialized after filtering), so the server's text is
    // forwarded with only its id replaced: no stringify of large results on the hot path.
    let out: JsonRpcResult | JsonRpcError = withRawLine(
      { ...message, id: p.hostId },
      text === undefined || LIST_METHODS[p.method] !== undefined ? undefined : spliceId(text, id, p.hostId),
    );
    const listKind = LIST_METHODS[p.method];
    const audit = p.audit;
    if ('result' in message && listKind !== undefined) {
      const filtered = this.filterList(listKind, message.result, 'host');
      out = { jsonrpc: '2.0', id: p.hostId, result: filtered.result };
      if (filtered.removed.length > 0) {
        fx.log.push(
          `${p.method}: ${this.config.mode === 'audit-only' ? 'would remove' : 'removed'} ${filtered.removed
            .map((r) => `${SINGULAR[listKind]} "${r.key}" (${r.kind})`)
            .join(', ')}`,
        );
      }
      if (audit !== undefined) {
        audit.target = listKind;
        if (filtered.removed.length > 0) {
          audit.removed = filtered.removed;
          if (this.config.mode === 'audit-only') audit.wouldBe = 'filter';
          else audit.decision = 'filter';
        }
      }
    }
    if (id === this.initializeId && 'result' in message) {
      const caps = message.result.capabilities;
      this.capabilities = isRecordValue(caps) ? caps : {};
      merge(fx, this.checkServerInfo(message.result, now));
      const instructions = this.enforceInstructions(message.result, now, fx);
      if (instructions !== undefined) out = { jsonrpc: '2.0', id: p.hostId, result: instructions };
    }
    if (audit !== undefined) {
      audit.durationMs = now - p.started;
      if ('error' in message) audit.reason = audit.reason ?? `server error ${message.error.code}`;
      fx.audit.push(audit);
    }
    fx.toHost.push(out);
    return fx;
  }

  private checkServerInfo(result: Record<string, unknown>, now: number): Effects {
    const fx = emptyEffects();
    const info = result.serverInfo;
    const locked = this.config.entry.server;
    if (!isRecordValue(info)) return fx;
    if (info.name !== locked.name || info.version !== locked.version) {
      const reason = `server reports ${String(info.name)}@${String(info.version)}, lockfile has ${locked.name}@${locked.version}`;
      fx.log.push(reason);
      fx.audit.push(
        this.record(now, 'server→host', 'initialize', { decision: 'allow', reason, kind: 'server.changed' }),
      );
    }
    return fx;
  }

  /**
   * Server instructions go straight into the model's context, so they are held to the lock like entries:
   * outside audit-only, instructions that differ from the locked text are replaced by the locked text (or
   * removed when the lock has none). Returns the rewritten result, or undefined when nothing changes.
   */
  private enforceInstructions(
    result: Record<string, unknown>,
    now: number,
    fx: Effects,
  ): Record<string, unknown> | undefined {
    const locked = this.config.entry.server.instructions;
    const live = result.instructions;
    if (live === locked || (live === undefined && locked === undefined)) return undefined;
    const reason = 'server instructions differ from the lockfile';
    fx.log.push(
      `${reason}${this.config.mode === 'audit-only' ? '' : locked === undefined ? '; removed' : '; replaced by the locked text'}`,
    );
    fx.audit.push(
      this.record(now, 'server→host', 'initialize', {
        target: 'instructions',
        decision: this.config.mode === 'audit-only' ? 'allow' : 'filter',
        reason,
        kind: 'changed',
        ...(this.config.mode === 'audit-only' ? { wouldBe: 'filter' as const } : {}),
      }),
    );
    if (this.config.mode === 'audit-only') return undefined;
    const { instructions: _dropped, ...rest } = result;
    return locked === undefined ? rest : { ...rest, instructions: locked };
  }

  private finishHost(proxyId: number, p: HostPending): void {
    this.pending.delete(proxyId);
    this.hostIds.delete(idKey(p.hostId));
    this.hostPendingCount--;
    if (p.progressToken) this.progress.delete(p.progressToken.proxy);
  }

  /** Fail whatever request a proxy id belongs to (bad line, invalid message, timeout). */
  private failServerSide(proxyId: number, now: number, reason: string): Effects {
    const fx = emptyEffects();
    const p = this.pending.get(proxyId);
    if (p === undefined) return fx;
    if (p.origin === 'proxy') {
      this.pending.delete(proxyId);
      return this.relistFailed(p.kind, reason, now);
    }
    this.finishHost(proxyId, p);
    fx.toHost.push(
      errorResponse(p.hostId, {
        code: LIMIT_CODE,
        message: `capseal: ${reason}`,
        data: { reason, server: this.config.serverName },
      }),
    );
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

  // ---------------------------------------------------------------- verification

  /**
   * Filter one list page: each item is normalized exactly as at lock time and kept only when its digest
   * equals the locked one (in audit-only nothing is removed, only reported). Verified and drifted entries
   * are remembered for the session.
   */
  private filterList(
    kind: EntryKind,
    result: Record<string, unknown>,
    into: 'host' | Relist,
  ): { result: Record<string, unknown>; removed: { key: string; kind: 'added' | 'changed' }[] } {
    const items = result[kind];
    if (!Array.isArray(items)) return { result, removed: [] };
    const locked = this.config.entry[kind] as Record<string, { digest: string }>;
    const kept: unknown[] = [];
    const removed: { key: string; kind: 'added' | 'changed' }[] = [];
    for (const item of items) {
      const normalized = this.normalize(kind, item);
      if (normalized === undefined) {
        removed.push({ key: '(invalid entry)', kind: 'added' });
        if (this.config.mode === 'audit-only') kept.push(item);
        continue;
      }
      const { key, digest } = normalized;
      const lockedEntry = Object.hasOwn(locked, key) ? locked[key] : undefined;
      if (lockedEntry !== undefined && lockedEntry.digest === digest && !this.drifted[kind].has(key)) {
        kept.push(item);
        if (into === 'host') this.verified[kind].set(key, digest);
        else into.verified.set(key, digest);
        continue;
      }
      const driftKind = lockedEntry === undefined ? 'added' : 'changed';
      const sticky = this.drifted[kind].get(key);
      removed.push({ key, kind: sticky === 'changed' ? 'changed' : driftKind });
      // Only locked keys are remembered (bounded by the lockfile): an unlocked name is refused anyway.
      if (sticky === undefined && lockedEntry !== undefined) this.drifted[kind].set(key, driftKind);
      if (this.config.mode === 'audit-only') kept.push(item);
    }
    return { result: { ...result, [kind]: kept }, removed };
  }

  /**
   * Normalize one live item exactly as at lock time, memoized by the item's JSON text: servers repeat the
   * same items on every list, and zod + canonical JSON + sha256 per item dominates a large list otherwise.
   */
  private normalize(kind: EntryKind, item: unknown): { key: string; digest: string } | undefined {
    const cacheKey = `${kind}\u0000${JSON.stringify(item)}`;
    const hit = this.normalized.get(cacheKey);
    if (hit !== undefined) return hit === null ? undefined : hit;
    let value: { key: string; digest: string } | null;
    try {
      const [key, entry] = this.config.normalizers[kind](item);
      value = { key, digest: entry.digest };
    } catch {
      value = null;
    }
    if (this.normalized.size >= NORMALIZE_CACHE_MAX) this.normalized.clear();
    this.normalized.set(cacheKey, value);
    return value === null ? undefined : value;
  }

  private startVerification(now: number): Effects {
    const fx = emptyEffects();
    const caps = this.capabilities ?? {};
    for (const kind of KINDS) {
      const capability = kind === 'resourceTemplates' ? 'resources' : kind;
      if (caps[capability] === undefined) {
        this.stale.delete(kind);
        continue;
      }
      merge(fx, this.relist(kind, now));
    }
    merge(fx, this.releaseDeferred(now));
    return fx;
  }

  private relist(kind: EntryKind, now: number): Effects {
    const fx = emptyEffects();
    const running = this.relists.get(kind);
    if (running) {
      running.rerun = true;
      return fx;
    }
    this.stale.add(kind);
    this.relists.set(kind, { pages: 0, verified: new Map(), rerun: false });
    fx.toServer.push(this.listRequest(kind, undefined, now));
    return fx;
  }

  private listRequest(kind: EntryKind, cursor: string | undefined, now: number): JsonRpcRequest {
    const id = this.nextServerId++;
    this.pending.set(id, { origin: 'proxy', kind, started: now });
    const req: JsonRpcRequest = { jsonrpc: '2.0', id, method: METHOD_OF[kind] };
    if (cursor !== undefined) req.params = { cursor };
    return req;
  }

  private relistPage(
    id: number,
    p: RelistPending,
    message: JsonRpcResult | JsonRpcError,
    now: number,
  ): Effects {
    this.pending.delete(id);
    const run = this.relists.get(p.kind);
    if (run === undefined) return emptyEffects();
    if ('error' in message)
      return this.relistFailed(p.kind, `server error ${message.error.code}: ${message.error.message}`, now);
    const fx = emptyEffects();
    const { removed } = this.filterList(p.kind, message.result, run);
    run.pages++;
    if (removed.length > 0) {
      fx.audit.push(
        this.record(now, 'server→host', METHOD_OF[p.kind], {
          target: p.kind,
          decision: this.config.mode === 'audit-only' ? 'allow' : 'filter',
          reason: 'proxy re-list',
          removed,
          ...(this.config.mode === 'audit-only' ? { wouldBe: 'filter' as const } : {}),
        }),
      );
      fx.log.push(
        `${METHOD_OF[p.kind]}: ${removed.map((r) => `${SINGULAR[p.kind]} "${r.key}" ${r.kind}`).join(', ')}`,
      );
    }
    const cursor = message.result.nextCursor;
    if (typeof cursor === 'string' && cursor.length > 0) {
      if (run.pages >= this.config.limits.pageCap) {
        return merge(fx, this.relistFailed(p.kind, `more than ${this.config.limits.pageCap} pages`, now));
      }
      fx.toServer.push(this.listRequest(p.kind, cursor, now));
      return fx;
    }
    this.verified[p.kind] = run.verified;
    this.relists.delete(p.kind);
    if (run.rerun) return merge(fx, this.relist(p.kind, now));
    this.stale.delete(p.kind);
    return merge(fx, this.releaseDeferred(now));
  }

  private relistFailed(kind: EntryKind, reason: string, now: number): Effects {
    const fx = emptyEffects();
    this.relists.delete(kind);
    this.verified[kind] = new Map();
    for (const key of Object.keys(this.config.entry[kind])) this.drifted[kind].set(key, 'relist-failed');
    this.stale.delete(kind);
    fx.log.push(`re-listing ${kind} failed (${reason}); every ${SINGULAR[kind]} is blocked for this session`);
    fx.audit.push(
      this.record(now, 'server→host', METHOD_OF[kind], { target: kind, decision: 'error', reason }),
    );
    return merge(fx, this.releaseDeferred(now));
  }

  private releaseDeferred(now: number): Effects {
    const fx = emptyEffects();
    if (this.deferred.length === 0) return fx;
    const waiting = this.deferred;
    this.deferred = [];
    for (const d of waiting) {
      const kind = GATED[d.message.method];
      const stillStale =
        kind === 'resources'
          ? this.stale.has('resources') || this.stale.has('resourceTemplates')
          : kind !== undefined && this.stale.has(kind);
      if (stillStale) this.deferred.push(d);
      else merge(fx, this.hostRequest(d.message, now));
    }
    return fx;
  }

  // ---------------------------------------------------------------- helpers

  private batch(
    values: unknown[],
    now: number,
    one: (v: unknown) => Effects,
    from: 'host' | 'server',
  ): Effects {
    const fx = emptyEffects();
    if (values.length === 0) {
      fx.log.push(`${from} sent an empty batch; dropped`);
      return fx;
    }
    void now;
    for (const v of values) merge(fx, one(v));
    return fx;
  }

  private record(
    now: number,
    direction: AuditRecord['direction'],
    method: string,
    fields: Omit<AuditRecord, 'time' | 'session' | 'direction' | 'method'>,
  ): AuditRecord {
    const rec: AuditRecord = {
      time: new Date(now).toISOString(),
      session: this.config.sessionId,
      direction,
      method,
      decision: fields.decision,
    };
    for (const [k, v] of Object.entries(fields)) {
      if (v !== undefined) (rec as unknown as Record<string, unknown>)[k] = v;
    }
    return rec;
  }
}

export type { JsonRpcError };
