import { type AuthorizeContext, authorizeRequest, type GateKind } from './authorize.js';
import { blockedError, emptyEffects, type Recorder } from './effects.js';
import { LISTEN_METHOD, listenUris } from './subscriptions.js';
import type { AuditRecord, Effects, JsonRpcError, JsonRpcRequest } from './types.js';

/** What happens to one gated host request. */
export type GateDecision =
  | { type: 'defer' }
  | { type: 'block'; error: JsonRpcError; audit: AuditRecord }
  | { type: 'forward'; target?: string; digest?: string; audit?: AuditRecord; stream?: boolean };

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
  target: string | undefined,
  message: JsonRpcRequest,
  now: number,
  record: Recorder,
): GateDecision {
  const auth = authorizeRequest(ctx, gate, message, target);
  if (auth.type === 'defer') return auth;
  const args = options.auditArguments
    ? gate === 'resources' || gate === 'resourceTemplates'
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

/**
 * A `subscriptions/listen`: every resource URI it subscribes to passes the same rules as a
 * `resources/read` of it (locked, verified, policy); in enforce one refused URI refuses the stream.
 * Waits like a read while resources are being verified. Pure.
 */
export function decideListen(
  ctx: AuthorizeContext,
  options: GateOptions,
  message: JsonRpcRequest,
  now: number,
  record: Recorder,
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
    const d = decideGated(ctx, options, 'resources', target, read, now, record);
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
