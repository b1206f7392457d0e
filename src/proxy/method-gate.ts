import type { BlockData } from './block.js';
import { blockedError, emptyEffects, type Recorder } from './effects.js';
import { isMethodAllowed, METHOD_TABLES, type MessageRole, PROTOCOL_VERSION_META } from './methods.js';
import type {
  AuditRecord,
  CallPolicy,
  Effects,
  JsonRpcNotification,
  JsonRpcRequest,
  ProxyMode,
} from './types.js';

export interface MethodGateContext {
  serverName: string;
  mode: ProxyMode;
  policy?: CallPolicy;
  /** The session's protocol version: negotiated in initialize, else the one the host asked for. */
  readonly version: string | undefined;
  extensions: ReadonlySet<string>;
  record: Recorder;
}

/**
 * Extension method names an operator allowed, minus any that only differ in case from a spec method (a
 * pack cannot turn `Tools/Call` into a way around the gate).
 */
export function extensionSet(names: readonly string[] | undefined): ReadonlySet<string> {
  const spec = new Set<string>();
  for (const table of Object.values(METHOD_TABLES))
    for (const set of Object.values(table)) for (const m of set as Set<string>) spec.add(m.toLowerCase());
  return new Set((names ?? []).filter((n) => !spec.has(n.toLowerCase())));
}

const NO_EXTENSIONS: ReadonlySet<string> = new Set();

function extensionDenies(policy: CallPolicy, message: JsonRpcRequest | JsonRpcNotification) {
  const args = message.params ?? {};
  return policy({
    method: message.method,
    kind: 'extension',
    name: message.method,
    entry: undefined,
    arguments: args,
  })
    .filter((v) => v.severity === 'error')
    .map((v) => ({ pack: v.pack, rule: v.rule, message: v.message }));
}

/** The protocol version a message is decided under: its own `_meta` (2026-07-28), else the session's. */
function versionFor(
  message: JsonRpcRequest | JsonRpcNotification,
  session: string | undefined,
): string | undefined {
  const meta = message.params?._meta;
  const own =
    typeof meta === 'object' && meta !== null
      ? (meta as Record<string, unknown>)[PROTOCOL_VERSION_META]
      : undefined;
  return typeof own === 'string' ? own : session;
}

/**
 * Refuse a method the protocol version does not define for this direction (and no pack allowed): in enforce
 * a request is answered with BLOCKED_CODE (kind `method-not-allowed`) on the side it came from and a
 * notification is dropped, both audited; in the other modes it passes with a `wouldBe: block` record. An
 * extension method a pack named passes unless that pack's call-time rules deny the host's call (`policy`).
 * Returns the effects of a refusal, or undefined when the message goes on (with `audit` to add, if any).
 */
export function gateMethod(
  ctx: MethodGateContext,
  role: MessageRole,
  message: JsonRpcRequest | JsonRpcNotification,
  now: number,
): { refused?: Effects; audit?: Effects } | undefined {
  const version = versionFor(message, ctx.version);
  const fromHost = role === 'hostRequests' || role === 'hostNotifications';
  if (isMethodAllowed(version, role, message.method, NO_EXTENSIONS)) return undefined;
  let reason = `method "${message.method}" is not allowed ${fromHost ? 'from the host' : 'from the server'} (protocol ${version ?? 'not negotiated'})`;
  let kind: 'method-not-allowed' | 'policy' = 'method-not-allowed';
  let verdicts: BlockData['verdicts'];
  if (ctx.extensions.has(message.method)) {
    // An extension a pack named: its call-time rules decide host messages; server ones pass.
    const denies = fromHost && ctx.policy ? extensionDenies(ctx.policy, message) : [];
    if (denies.length === 0) return undefined;
    reason = denies.map((v) => v.message).join('; ');
    kind = 'policy';
    verdicts = denies;
  }
  const direction = fromHost ? 'host→server' : 'server→host';
  const fx = emptyEffects();
  if (ctx.mode !== 'enforce') {
    fx.audit.push(
      ctx.record(now, direction, message.method, {
        decision: 'allow',
        reason,
        kind,
        wouldBe: 'block',
      }),
    );
    return { audit: fx };
  }
  fx.log.push(`${reason}; refused`);
  const isRequest = 'id' in message;
  fx.audit.push(
    ctx.record(now, direction, message.method, {
      decision: isRequest ? 'block' : 'drop',
      reason,
      kind,
      verdicts: verdicts as AuditRecord['verdicts'],
    }),
  );
  if (isRequest) {
    const data: BlockData = { reason, kind, server: ctx.serverName, method: message.method };
    if (verdicts) data.verdicts = verdicts;
    (fromHost ? fx.toHost : fx.toServer).push(blockedError(message.id, data));
  }
  return { refused: fx };
}
