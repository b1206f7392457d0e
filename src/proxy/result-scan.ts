import { blockedError, type Recorder } from './effects.js';
import type {
  Effects,
  JsonRpcError,
  JsonRpcId,
  JsonRpcResult,
  ProxyMode,
  ResultPolicy,
  ResultPolicyInput,
} from './types.js';

/** The results runtime content scanning reads. */
export const SCANNED: ReadonlySet<string> = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** What scanning one result reads of the session. */
export interface ScanContext {
  serverName: string;
  mode: ProxyMode;
  record: Recorder;
  policy: ResultPolicy;
}

/** The host request a scanned result answers. */
interface ScannedCall {
  hostId: JsonRpcId;
  method: string;
  target: string;
}

/**
 * Runtime content scanning: the result rules decide; enforce applies block (error kind `content`) and
 * redact, the other modes record what enforce would have done. Findings are logged and audited (into
 * `fx`). Returns the message to send the host instead of the result, or undefined to send it on. Pure.
 */
export function decideScan(
  ctx: ScanContext,
  call: ScannedCall,
  result: Record<string, unknown>,
  now: number,
  fx: Effects,
): JsonRpcResult | JsonRpcError | undefined {
  const { method, target, hostId } = call;
  const decision = ctx.policy({ method: method as ResultPolicyInput['method'], name: target, result });
  if (decision.action === 'forward') return undefined;
  const verdicts = decision.verdicts.map((v) => ({
    pack: v.pack,
    rule: v.rule,
    severity: v.severity,
    message: v.message,
  }));
  for (const v of verdicts) fx.log.push(`content ${v.severity}: ${v.pack}/${v.rule}: ${v.message}`);
  const enforce = ctx.mode === 'enforce';
  const applied = enforce && (decision.action === 'block' || decision.action === 'redact');
  fx.audit.push(
    ctx.record(now, 'server→host', method, {
      target,
      decision: applied && decision.action === 'block' ? 'block' : 'allow',
      reason: `content ${decision.action}`,
      kind: 'content',
      verdicts,
      ...(!enforce && decision.action === 'block' ? { wouldBe: 'block' as const } : {}),
    }),
  );
  if (!applied) return undefined;
  if (decision.action === 'redact' && decision.result !== undefined)
    return { jsonrpc: '2.0', id: hostId, result: decision.result };
  return blockedError(hostId, {
    reason: verdicts.map((v) => v.message).join('; '),
    kind: 'content',
    server: ctx.serverName,
    method,
    target,
    verdicts: verdicts.map(({ pack, rule, message }) => ({ pack, rule, message })),
  });
}
