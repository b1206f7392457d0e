import { type AuthorizeContext, authorizeRequest, type GateKind, targetOf } from './authorize.js';
import { blockedError, type Recorder } from './effects.js';
import type { AuditRecord, JsonRpcError, JsonRpcRequest } from './types.js';

/** What happens to one gated host request. */
export type GateDecision =
  | { type: 'defer' }
  | { type: 'block'; error: JsonRpcError; audit: AuditRecord }
  | { type: 'forward'; target?: string; digest?: string; audit?: AuditRecord };

export interface GateOptions {
  auditArguments?: boolean;
  recordAllowed?: boolean;
}

/**
 * Authorize a gated request and build what follows from it: in enforce a block is answered with
 * BLOCKED_CODE and audited; in filter-only/audit-only it is forwarded with a `wouldBe: block` record; an
 * allowed call gets its record only when records are read (the hot path). Pure.
 */
export function decideGated(
  ctx: AuthorizeContext,
  options: GateOptions,
  gate: GateKind,
  message: JsonRpcRequest,
  now: number,
  record: Recorder,
): GateDecision {
  const target = targetOf(gate, message);
  const auth = authorizeRequest(ctx, gate, message, target);
  if (auth.type === 'defer') return auth;
  const args = options.auditArguments
    ? gate === 'resources'
      ? { uri: target }
      : (message.params?.arguments ?? {})
    : undefined;
  if (auth.type === 'block') {
    const { reason, kind, verdicts } = auth.data;
    if (ctx.mode === 'enforce') {
      return {
        type: 'block',
        error: blockedError(message.id, auth.data),
        audit: record(now, 'host→server', message.method, {
          target,
          decision: 'block',
          reason,
          kind,
          durationMs: 0,
          arguments: args,
          verdicts: verdicts as AuditRecord['verdicts'],
        }),
      };
    }
    const audit = record(now, 'host→server', message.method, {
      target,
      decision: 'allow',
      reason,
      kind,
      wouldBe: 'block',
      arguments: args,
    });
    return { type: 'forward', ...(target !== undefined ? { target } : {}), audit };
  }
  const forward: GateDecision = { type: 'forward' };
  if (target !== undefined) forward.target = target;
  if (auth.digest !== undefined) forward.digest = auth.digest;
  if (options.recordAllowed !== false) {
    forward.audit = record(now, 'host→server', message.method, {
      target,
      decision: 'allow',
      digest: auth.digest,
      arguments: args,
    });
  }
  return forward;
}
