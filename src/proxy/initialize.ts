import type { ServerEntry } from '../lockfile/index.js';
import { emptyEffects, type Recorder } from './effects.js';
import { isRecordValue } from './jsonrpc.js';
import type { Effects, ProxyMode } from './types.js';

/** What the session keeps of the server's initialize answer, and what to send on instead. */
export interface InitializeDecision {
  /** The server's declared capabilities (an empty object when it sent none). */
  capabilities: Record<string, unknown>;
  /** The result to forward when it had to change (instructions); undefined: forward it as received. */
  rewritten?: Record<string, unknown>;
  fx: Effects;
}

/**
 * Decide on the server's initialize result. A serverInfo name or version other than the lock's is logged
 * and audited (`server.changed`), not blocked: what the server exposes is enforced entry by entry. Server
 * instructions go straight into the model's context, so they are held to the lock like entries: outside
 * audit-only, instructions that differ from the locked text are replaced by it (removed when the lock has
 * none). Pure.
 */
export function decideInitializeResult(
  entry: ServerEntry,
  mode: ProxyMode,
  result: Record<string, unknown>,
  now: number,
  record: Recorder,
): InitializeDecision {
  const fx = emptyEffects();
  const caps = result.capabilities;
  const decision: InitializeDecision = { capabilities: isRecordValue(caps) ? caps : {}, fx };
  const info = result.serverInfo;
  const locked = entry.server;
  if (isRecordValue(info) && (info.name !== locked.name || info.version !== locked.version)) {
    const reason = `server reports ${String(info.name)}@${String(info.version)}, lockfile has ${locked.name}@${locked.version}`;
    fx.log.push(reason);
    fx.audit.push(
      record(now, 'server→host', 'initialize', { decision: 'allow', reason, kind: 'server.changed' }),
    );
  }
  const live = result.instructions;
  if (live === locked.instructions || (live === undefined && locked.instructions === undefined))
    return decision;
  const auditOnly = mode === 'audit-only';
  const reason = 'server instructions differ from the lockfile';
  fx.log.push(
    `${reason}${auditOnly ? '' : locked.instructions === undefined ? '; removed' : '; replaced by the locked text'}`,
  );
  fx.audit.push(
    record(now, 'server→host', 'initialize', {
      target: 'instructions',
      decision: auditOnly ? 'allow' : 'filter',
      reason,
      kind: 'changed',
      ...(auditOnly ? { wouldBe: 'filter' as const } : {}),
    }),
  );
  if (auditOnly) return decision;
  const { instructions: _dropped, ...rest } = result;
  decision.rewritten =
    locked.instructions === undefined ? rest : { ...rest, instructions: locked.instructions };
  return decision;
}
