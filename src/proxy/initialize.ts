import { type ServerEntry, sameCanonical } from '../lockfile/index.js';
import { emptyEffects, type Recorder } from './effects.js';
import { isRecordValue } from './jsonrpc.js';
import type { Effects, ProxyMode } from './types.js';

/** What the session keeps of the server's handshake answer, and what to send on instead. */
interface InitializeDecision {
  /** The server's declared capabilities (an empty object when it sent none). */
  capabilities: Record<string, unknown>;
  /** The protocol version the server chose, when it named one (initialize). */
  protocolVersion?: string;
  /** The result to forward when it had to change (instructions, versions); undefined: forward it as received. */
  rewritten?: Record<string, unknown>;
  fx: Effects;
}

/** What deciding on a handshake answer reads: the locked entry, the mode, and the session's recorder. */
export interface HandshakeContext {
  entry: ServerEntry;
  mode: ProxyMode;
  record: Recorder;
}

/** The requests whose answers tell what the server is: 2025 `initialize`, 2026-07-28 `server/discover`. */
type HandshakeMethod = 'initialize' | 'server/discover';

/** The `_meta` key of a 2026-07-28 result that carries serverInfo. */
const SERVER_INFO_META = 'io.modelcontextprotocol/serverInfo';

/**
 * Decide on the server's initialize or `server/discover` (2026-07-28) result, both held to the lock the
 * same way. A serverInfo name or version other than the lock's (discover: in `_meta`) is logged and
 * audited (`server.changed`), not blocked: what the server exposes is enforced entry by entry. Server
 * instructions go straight into the model's context, so they are held to the lock like entries: outside
 * audit-only, instructions that differ from the locked text are replaced by it (removed when the lock has
 * none). Discover also has its capabilities (with `extensions`) compared to the lock's (`server.changed`)
 * and its `supportedVersions` checked against the ones locked (see holdVersions). Pure.
 */
export function decideHandshakeResult(
  ctx: HandshakeContext,
  method: HandshakeMethod,
  result: Record<string, unknown>,
  now: number,
): InitializeDecision {
  const caps = result.capabilities;
  const decision: InitializeDecision = { capabilities: isRecordValue(caps) ? caps : {}, fx: emptyEffects() };
  const { fx } = decision;
  // An era-split lock keeps what 2025 clients saw apart; initialize is held to that surface.
  const locked =
    method === 'initialize' ? (ctx.entry.eras?.legacy?.server ?? ctx.entry.server) : ctx.entry.server;
  if (method === 'initialize') {
    if (typeof result.protocolVersion === 'string') decision.protocolVersion = result.protocolVersion;
    checkServerInfo(ctx, method, result.serverInfo, locked, now, fx);
  } else {
    const meta = result._meta;
    checkServerInfo(ctx, method, isRecordValue(meta) ? meta[SERVER_INFO_META] : undefined, locked, now, fx);
    if (!sameCanonical(decision.capabilities, locked.capabilities))
      noteChanged(ctx, method, 'server capabilities differ from the lockfile', now, fx);
    holdVersions(ctx, result, now, decision);
  }
  holdInstructions(ctx, locked.instructions, result, method, now, decision);
  return decision;
}

/** Log and audit a way the live server differs from the lock that is reported, not enforced. */
function noteChanged(ctx: HandshakeContext, method: string, reason: string, now: number, fx: Effects): void {
  fx.log.push(reason);
  fx.audit.push(
    ctx.record(now, 'server→host', method, { decision: 'allow', reason, kind: 'server.changed' }),
  );
}

/** A serverInfo (`{name, version}`) other than the locked one is noted as `server.changed`. */
function checkServerInfo(
  ctx: HandshakeContext,
  method: HandshakeMethod,
  info: unknown,
  locked: { name: string; version: string },
  now: number,
  fx: Effects,
): void {
  if (!isRecordValue(info) || (info.name === locked.name && info.version === locked.version)) return;
  const reason = `server reports ${String(info.name)}@${String(info.version)}, lockfile has ${locked.name}@${locked.version}`;
  noteChanged(ctx, method, reason, now, fx);
}

/**
 * Discover's `supportedVersions` against the ones locked: outside audit-only a version the lock never saw
 * is removed (its surface was never reviewed), and the removal is audited.
 */
function holdVersions(
  ctx: HandshakeContext,
  result: Record<string, unknown>,
  now: number,
  decision: InitializeDecision,
): void {
  const lockedVersions = ctx.entry.generations?.modern?.supportedVersions;
  const live = result.supportedVersions;
  if (!Array.isArray(live) || lockedVersions === undefined) return;
  const unlocked = live.filter((v) => typeof v !== 'string' || !lockedVersions.includes(v));
  if (unlocked.length === 0) return;
  const auditOnly = ctx.mode === 'audit-only';
  const reason = `server advertises protocol versions the lockfile does not: ${unlocked.map(String).join(', ')}`;
  decision.fx.log.push(`${reason}${auditOnly ? '' : '; removed'}`);
  decision.fx.audit.push(
    ctx.record(now, 'server→host', 'server/discover', {
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

/**
 * Server instructions go straight into the model's context: outside audit-only, instructions that differ
 * from the locked text are replaced by it (removed when the lock has none); the change is audited.
 */
function holdInstructions(
  ctx: HandshakeContext,
  lockedText: string | undefined,
  result: Record<string, unknown>,
  method: HandshakeMethod,
  now: number,
  decision: InitializeDecision,
): void {
  const { fx } = decision;
  const live = result.instructions;
  if (live === lockedText || (live === undefined && lockedText === undefined)) return;
  const auditOnly = ctx.mode === 'audit-only';
  const reason = 'server instructions differ from the lockfile';
  fx.log.push(
    `${reason}${auditOnly ? '' : lockedText === undefined ? '; removed' : '; replaced by the locked text'}`,
  );
  fx.audit.push(
    ctx.record(now, 'server→host', method, {
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
