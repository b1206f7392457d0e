import { canonicalize, type ServerEntry } from '../lockfile/index.js';
import { emptyEffects, type Recorder } from './effects.js';
import { isRecordValue } from './jsonrpc.js';
import type { Effects, ProxyMode } from './types.js';

/** What the session keeps of the server's initialize answer, and what to send on instead. */
export interface InitializeDecision {
  /** The server's declared capabilities (an empty object when it sent none). */
  capabilities: Record<string, unknown>;
  /** The protocol version the server chose, when it named one. */
  protocolVersion?: string;
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
  if (typeof result.protocolVersion === 'string') decision.protocolVersion = result.protocolVersion;
  const info = result.serverInfo;
  // An era-split lock keeps what 2025 clients saw apart; initialize is held to that surface.
  const locked = entry.eras?.legacy?.server ?? entry.server;
  if (isRecordValue(info) && (info.name !== locked.name || info.version !== locked.version)) {
    const reason = `server reports ${String(info.name)}@${String(info.version)}, lockfile has ${locked.name}@${locked.version}`;
    fx.log.push(reason);
    fx.audit.push(
      record(now, 'server→host', 'initialize', { decision: 'allow', reason, kind: 'server.changed' }),
    );
  }
  holdInstructions(locked.instructions, mode, result, 'initialize', now, record, decision);
  return decision;
}

/**
 * Server instructions go straight into the model's context: outside audit-only, instructions that differ
 * from the locked text are replaced by it (removed when the lock has none); the change is audited.
 */
function holdInstructions(
  lockedText: string | undefined,
  mode: ProxyMode,
  result: Record<string, unknown>,
  method: string,
  now: number,
  record: Recorder,
  decision: { rewritten?: Record<string, unknown>; fx: Effects },
): void {
  const { fx } = decision;
  const live = result.instructions;
  if (live === lockedText || (live === undefined && lockedText === undefined)) return;
  const auditOnly = mode === 'audit-only';
  const reason = 'server instructions differ from the lockfile';
  fx.log.push(
    `${reason}${auditOnly ? '' : lockedText === undefined ? '; removed' : '; replaced by the locked text'}`,
  );
  fx.audit.push(
    record(now, 'server→host', method, {
      target: 'instructions',
      decision: auditOnly ? 'allow' : 'filter',
      reason,
      kind: 'changed',
      ...(auditOnly ? { wouldBe: 'filter' as const } : {}),
    }),
  );
  if (auditOnly) return;
  const base = decision.rewritten ?? result;
  const { instructions: _dropped, ...rest } = base;
  decision.rewritten = lockedText === undefined ? rest : { ...rest, instructions: lockedText };
}

/** The `_meta` key of a 2026-07-28 result that carries serverInfo. */
export const SERVER_INFO_META = 'io.modelcontextprotocol/serverInfo';

/**
 * Decide on the server's `server/discover` result (2026-07-28), held to the lock exactly like initialize:
 * instructions replaced by the locked text (or removed) outside audit-only; a serverInfo (from `_meta`)
 * or capabilities (with `extensions`) other than the lock's are logged and audited (`server.changed`);
 * `supportedVersions` are checked against the ones locked: outside audit-only a version the lock never
 * saw is removed (its surface was never reviewed), and the removal is audited. Pure.
 */
export function decideDiscoverResult(
  entry: ServerEntry,
  mode: ProxyMode,
  result: Record<string, unknown>,
  now: number,
  record: Recorder,
): InitializeDecision {
  const fx = emptyEffects();
  const caps = result.capabilities;
  const decision: InitializeDecision = { capabilities: isRecordValue(caps) ? caps : {}, fx };
  const locked = entry.server;
  const changed = (reason: string) => {
    fx.log.push(reason);
    fx.audit.push(
      record(now, 'server→host', 'server/discover', { decision: 'allow', reason, kind: 'server.changed' }),
    );
  };
  const meta = result._meta;
  const info = isRecordValue(meta) ? meta[SERVER_INFO_META] : undefined;
  if (isRecordValue(info) && (info.name !== locked.name || info.version !== locked.version))
    changed(
      `server reports ${String(info.name)}@${String(info.version)}, lockfile has ${locked.name}@${locked.version}`,
    );
  if (canonicalize(decision.capabilities) !== canonicalize(locked.capabilities))
    changed('server capabilities differ from the lockfile');
  const lockedVersions = entry.generations?.modern?.supportedVersions;
  const live = result.supportedVersions;
  if (Array.isArray(live) && lockedVersions !== undefined) {
    const unlocked = live.filter((v) => typeof v !== 'string' || !lockedVersions.includes(v));
    if (unlocked.length > 0) {
      const auditOnly = mode === 'audit-only';
      const reason = `server advertises protocol versions the lockfile does not: ${unlocked.map(String).join(', ')}`;
      fx.log.push(`${reason}${auditOnly ? '' : '; removed'}`);
      fx.audit.push(
        record(now, 'server→host', 'server/discover', {
          target: 'supportedVersions',
          decision: auditOnly ? 'allow' : 'filter',
          reason,
          kind: 'server.changed',
          ...(auditOnly ? { wouldBe: 'filter' as const } : {}),
        }),
      );
      if (!auditOnly)
        decision.rewritten = { ...result, supportedVersions: live.filter((v) => !unlocked.includes(v)) };
    }
  }
  holdInstructions(locked.instructions, mode, result, 'server/discover', now, record, decision);
  return decision;
}
