import type { BlockData } from './block.js';
import { blockedError, emptyEffects, type Recorder } from './effects.js';
import { isMethodAllowed, METHOD_TABLES, type MessageRole, PROTOCOL_VERSION_META } from './methods.js';
import type { Effects, JsonRpcNotification, JsonRpcRequest, ProxyMode } from './types.js';

export interface MethodGateContext {
  serverName: string;
  mode: ProxyMode;
  /** The session's protocol version: negotiated in initialize, else the one the host asked for. */
  version: string | undefined;
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
 * notification is dropped, both audited; in the other modes it passes with a `wouldBe: block` record.
 * Returns the effects of a refusal, or undefined when the message goes on (with `audit` to add, if any).
 */
export function gateMethod(
  ctx: MethodGateContext,
  role: MessageRole,
  message: JsonRpcRequest | JsonRpcNotification,
  now: number,
): { refused?: Effects; audit?: Effects } | undefined {
  const version = versionFor(message, ctx.version);
  if (isMethodAllowed(version, role, message.method, ctx.extensions)) return undefined;
  const fromHost = role === 'hostRequests' || role === 'hostNotifications';
  const direction = fromHost ? 'host→server' : 'server→host';
  const reason = `method "${message.method}" is not allowed ${fromHost ? 'from the host' : 'from the server'} (protocol ${version ?? 'not negotiated'})`;
  const fx = emptyEffects();
  if (ctx.mode !== 'enforce') {
    fx.audit.push(
      ctx.record(now, direction, message.method, {
        decision: 'allow',
        reason,
        kind: 'method-not-allowed',
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
      kind: 'method-not-allowed',
    }),
  );
  if (isRequest) {
    const data: BlockData = {
      reason,
      kind: 'method-not-allowed',
      server: ctx.serverName,
      method: message.method,
    };
    (fromHost ? fx.toHost : fx.toServer).push(blockedError(message.id, data));
  }
  return { refused: fx };
}
