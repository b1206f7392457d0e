import type { ServerEntry } from '../lockfile/index.js';
import { ArgumentValidator } from './arguments.js';
import type { AuthorizeContext } from './authorize.js';
import { routeCorrelated } from './correlate.js';
import { mergeEffects, type Recorder, recorderFor } from './effects.js';
import { Handshake } from './handshake.js';
import { ListVerifier } from './list-verifier.js';
import { extensionSet, gateMethod, type MethodGateContext } from './method-gate.js';
import type { MessageRole } from './methods.js';
import { RequestTable } from './request-table.js';
import type { ScanContext } from './result-scan.js';
import { TaskOwnership } from './tasks.js';
import type {
  CallPolicy,
  Effects,
  EntryNormalizers,
  JsonRpcNotification,
  JsonRpcRequest,
  ProxyLimits,
  ProxyMode,
  ResultPolicy,
} from './types.js';

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
 * The units one session is made of, built once and shared by the functions that decide each side's
 * messages (./host-side.ts, ./server-side.ts): the request table (ids), the list verifier
 * (verified/drifted state), the read-only authorization context over it, the method gate, task ownership,
 * the handshake, and the session's recorder.
 */
export interface SessionParts {
  readonly config: SessionConfig;
  readonly record: Recorder;
  readonly table: RequestTable;
  readonly verifier: ListVerifier;
  readonly auth: AuthorizeContext;
  readonly methods: MethodGateContext;
  readonly tasks: TaskOwnership;
  readonly handshake: Handshake;
  /** Present when the config has a result policy. */
  readonly scan: ScanContext | undefined;
}

/** Build the units of one session from its config. */
export function assembleSession(config: SessionConfig): SessionParts {
  const record = recorderFor(config.sessionId);
  const { entry, mode, normalizers, limits, serverName, policy, resultPolicy } = config;
  const table = new RequestTable();
  const verifier = new ListVerifier({ entry, mode, normalizers, pageCap: limits.pageCap, record }, table);
  const auth: AuthorizeContext = { serverName, entry, mode, view: verifier, ...(policy ? { policy } : {}) };
  if (config.validateArguments !== false) auth.args = new ArgumentValidator();
  const handshake = new Handshake({ entry, mode, record });
  const methods: MethodGateContext = {
    serverName,
    mode,
    get version() {
      return handshake.version;
    },
    extensions: extensionSet(config.allowMethods),
    record,
    ...(policy ? { policy } : {}),
  };
  const scan = resultPolicy ? { serverName, mode, record, policy: resultPolicy } : undefined;
  return { config, record, table, verifier, auth, methods, tasks: new TaskOwnership(), handshake, scan };
}

/** Gate a method by protocol version and direction: the refusal's effects, or undefined to go on. */
export function refuseMethod(
  s: SessionParts,
  role: MessageRole,
  message: JsonRpcRequest | JsonRpcNotification,
  now: number,
  fx: Effects,
): Effects | undefined {
  const gate = gateMethod(s.methods, role, message, now);
  if (gate?.audit) mergeEffects(fx, gate.audit);
  return gate?.refused;
}

/**
 * What every notification passes first, from either side: the method gate, then id and token correlation
 * (cancellation, progress). Returns the effects to answer with when one of them took the message, or
 * undefined when the caller goes on with `fx`.
 */
export function takeNotification(
  s: SessionParts,
  from: 'host' | 'server',
  message: JsonRpcNotification,
  now: number,
  fx: Effects,
): Effects | undefined {
  const role = from === 'host' ? 'hostNotifications' : 'serverNotifications';
  const refused = refuseMethod(s, role, message, now, fx);
  if (refused) return refused;
  return routeCorrelated(from, s.table, message, fx, now) ? fx : undefined;
}
