import { blockedError, emptyEffects, type Recorder } from './effects.js';
import { isRecordValue } from './jsonrpc.js';
import type { CallPolicy, Effects, JsonRpcId, ProxyMode } from './types.js';

/** The requests a 2026-07-28 server may embed in an `input_required` result (MRTR). */
export const EMBEDDED_METHODS: ReadonlySet<string> = new Set([
  'elicitation/create',
  'sampling/createMessage',
  'roots/list',
]);

export interface InputRequiredContext {
  serverName: string;
  mode: ProxyMode;
  policy?: CallPolicy;
  record: Recorder;
}

/**
 * Decide on an `input_required` result (2026-07-28 multi-round-trip requests): the result passes to the
 * host as the server wrote it (its `requestState` untouched, so the host's retry echoes it byte-exact, and
 * the retry is a new request authorized like any other). Every embedded request (`elicitation/create`,
 * `sampling/createMessage`, `roots/list`) is audited and shown to call-time policy as the server request
 * it stands for; in enforce, a denied one or an embedded method outside those three replaces the whole
 * result with BLOCKED_CODE (the server never gets an answer to a question capseal refused). Returns
 * undefined for any other result. Pure.
 */
export function decideInputRequired(
  ctx: InputRequiredContext,
  hostId: JsonRpcId,
  method: string,
  result: Record<string, unknown>,
  now: number,
): Effects | undefined {
  if (result.resultType !== 'input_required') return undefined;
  const fx = emptyEffects();
  const requests = isRecordValue(result.inputRequests) ? result.inputRequests : {};
  const enforce = ctx.mode === 'enforce';
  for (const [key, embedded] of Object.entries(requests)) {
    const embeddedMethod =
      isRecordValue(embedded) && typeof embedded.method === 'string' ? embedded.method : '';
    const params = isRecordValue(embedded) && isRecordValue(embedded.params) ? embedded.params : {};
    let reason: string | undefined;
    let verdicts: { pack: string; rule: string; message: string }[] | undefined;
    if (!EMBEDDED_METHODS.has(embeddedMethod)) {
      reason = `input_required embeds "${embeddedMethod || '(no method)'}", not a request a server may ask`;
    } else if (ctx.policy) {
      const denies = ctx
        .policy({
          method: embeddedMethod,
          kind: 'extension',
          name: embeddedMethod,
          entry: undefined,
          arguments: params,
        })
        .filter((v) => v.severity === 'error');
      if (denies.length > 0) {
        verdicts = denies.map((v) => ({ pack: v.pack, rule: v.rule, message: v.message }));
        reason = denies.map((v) => v.message).join('; ');
      }
    }
    const kind = verdicts ? 'policy' : reason ? 'method-not-allowed' : undefined;
    fx.audit.push(
      ctx.record(now, 'server→host', embeddedMethod || '(no method)', {
        target: key,
        decision: reason === undefined || !enforce ? 'allow' : 'block',
        reason: reason ?? `embedded in the input_required result of ${method}`,
        ...(kind ? { kind } : {}),
        ...(reason !== undefined && !enforce ? { wouldBe: 'block' as const } : {}),
        ...(verdicts ? { verdicts: verdicts.map((v) => ({ ...v, severity: 'error' as const })) } : {}),
      }),
    );
    if (reason !== undefined && enforce) {
      fx.log.push(`${method}: ${reason}; the input_required result is refused`);
      fx.toHost.push(
        blockedError(hostId, {
          reason,
          kind: kind as 'policy' | 'method-not-allowed',
          server: ctx.serverName,
          method: embeddedMethod || method,
          target: key,
          ...(verdicts ? { verdicts } : {}),
        }),
      );
      return fx;
    }
  }
  return fx;
}
