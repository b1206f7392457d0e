import { emptyEffects, mergeEffects, type Recorder } from './effects.js';
import { classify, errorResponse, isRecordValue } from './jsonrpc.js';
import { PROTOCOL_VERSION_META } from './methods.js';
import type { Effects } from './types.js';

/** The first protocol version without JSON-RPC batches. */
const BATCHES_REMOVED_IN = '2025-06-18';

/** The protocol version a batch is under: the newest any member names in `_meta`, else the session's. */
function batchVersion(values: readonly unknown[], session: string | undefined): string | undefined {
  let newest = session;
  for (const v of values) {
    const params = isRecordValue(v) ? v.params : undefined;
    const meta = isRecordValue(params) ? params._meta : undefined;
    const own = isRecordValue(meta) ? meta[PROTOCOL_VERSION_META] : undefined;
    if (typeof own === 'string' && (newest === undefined || own > newest)) newest = own;
  }
  return newest;
}

/** Who sent a batch, under which session version, and the session's recorder. */
interface BatchContext {
  from: 'host' | 'server';
  version: string | undefined;
  record: Recorder;
}

/**
 * A JSON-RPC batch: split and decided message by message (`one`) for peers of protocol versions that had
 * batches (2025-03-26 and older); refused for the versions that removed them (2025-06-18 and later,
 * including 2026-07-28), named by the session's negotiated version or any member's `_meta`. A refused
 * host batch answers each request in it with Invalid Request and is audited; a server batch is dropped.
 */
export function decideBatch(
  ctx: BatchContext,
  values: unknown[],
  one: (v: unknown) => Effects,
  now: number,
): Effects {
  const fx = emptyEffects();
  const { from } = ctx;
  if (values.length === 0) {
    fx.log.push(`${from} sent an empty batch; dropped`);
    return fx;
  }
  const version = batchVersion(values, ctx.version);
  if (version !== undefined && version >= BATCHES_REMOVED_IN) {
    const reason = `JSON-RPC batches are not part of protocol ${version}`;
    fx.log.push(`${from} sent a batch of ${values.length}; refused (${reason})`);
    const direction = from === 'host' ? 'host→server' : 'server→host';
    fx.audit.push(ctx.record(now, direction, 'batch', { decision: 'block', reason, kind: 'batch' }));
    if (from === 'host')
      for (const v of values) {
        const c = classify(v);
        if (c.type === 'request')
          fx.toHost.push(
            errorResponse(c.message.id, { code: -32600, message: `Invalid Request: ${reason}` }),
          );
      }
    return fx;
  }
  for (const v of values) mergeEffects(fx, one(v));
  return fx;
}
