import { mergeEffects } from './effects.js';
import { decideHandshakeResult, type HandshakeContext } from './initialize.js';
import { isRecordValue } from './jsonrpc.js';
import { PROTOCOL_VERSION_META } from './methods.js';
import type { Effects, JsonRpcError, JsonRpcRequest, JsonRpcResult } from './types.js';

/** The envelope keys capseal copies from a 2026-07-28 host request onto its own lists. */
const ENVELOPE_KEYS = [
  PROTOCOL_VERSION_META,
  'io.modelcontextprotocol/clientInfo',
  'io.modelcontextprotocol/clientCapabilities',
] as const;

/** The 2026-07-28 `_meta` envelope of a request (protocol version, client info, capabilities), if any. */
function envelopeOf(message: JsonRpcRequest): Record<string, unknown> | undefined {
  const meta = message.params?._meta;
  if (!isRecordValue(meta) || typeof meta[PROTOCOL_VERSION_META] !== 'string') return undefined;
  const out: Record<string, unknown> = {};
  for (const key of ENVELOPE_KEYS) if (meta[key] !== undefined) out[key] = meta[key];
  return out;
}

/**
 * What a session knows of the protocol it speaks, from either generation: a 2025 handshake (initialize
 * forwarded, then answered) or a 2026-07-28 `_meta` envelope on a host request; `server/discover` answers
 * are decided like initialize. State only, plus the pure decisions of ./initialize.ts on the answers.
 */
export class Handshake {
  /** The server's capabilities once an initialize answer told them (undefined before). */
  capabilities: Record<string, unknown> | undefined;
  /**
   * The session's protocol version: negotiated in initialize, else the one the host asked for in it, else
   * the one a host's envelope named (server messages carry no envelope of their own).
   */
  version: string | undefined;
  private readonly ctx: HandshakeContext;
  private initializeId: number | undefined;
  /** An initialize was forwarded and not answered yet: the server is not ready for capseal's lists. */
  private pending = false;
  /** The version came from a 2026-07-28 envelope, not a handshake (a 2025 initialize resets it). */
  private versionFromEnvelope = false;
  /** `notifications/initialized` came while initialize was unanswered: verification waits for the answer. */
  initializedEarly = false;

  constructor(ctx: HandshakeContext) {
    this.ctx = ctx;
  }

  /** True while a 2025 handshake is half-way (initialize forwarded, not answered). */
  get halfWay(): boolean {
    return this.pending;
  }

  /** A host request arrived: a host mixing generations has its 2025 handshake decided as one. */
  hostRequest(message: JsonRpcRequest): void {
    if (message.method === 'initialize' && this.versionFromEnvelope) {
      this.version = undefined;
      this.versionFromEnvelope = false;
    }
  }

  /**
   * The envelope of a host request, if it has one; its version becomes the session's until a 2025
   * handshake negotiates one.
   */
  envelope(message: JsonRpcRequest): Record<string, unknown> | undefined {
    const envelope = envelopeOf(message);
    const version = envelope?.[PROTOCOL_VERSION_META];
    if (this.version === undefined && typeof version === 'string') {
      this.version = version;
      this.versionFromEnvelope = true;
    }
    return envelope;
  }

  /** A host request was forwarded under `proxyId` with `params`: an initialize starts the handshake. */
  forwarded(proxyId: number, message: JsonRpcRequest, params: Record<string, unknown> | undefined): void {
    if (message.method !== 'initialize') return;
    this.initializeId = proxyId;
    this.pending = true;
    const asked = params?.protocolVersion;
    if (typeof asked === 'string' && this.version === undefined) this.version = asked;
  }

  /**
   * The server answered the host request forwarded under `proxyId`: an initialize answer ends the
   * handshake; initialize and `server/discover` results are held to the lock (effects into `fx`). Returns
   * the result to forward instead, or undefined to forward it as received.
   */
  answered(
    proxyId: number,
    method: string,
    message: JsonRpcResult | JsonRpcError,
    now: number,
    fx: Effects,
  ): Record<string, unknown> | undefined {
    const initialize = proxyId === this.initializeId;
    if (initialize) this.pending = false;
    if (!('result' in message)) return undefined;
    let rewritten: Record<string, unknown> | undefined;
    if (method === 'server/discover') {
      const discover = decideHandshakeResult(this.ctx, 'server/discover', message.result, now);
      mergeEffects(fx, discover.fx);
      rewritten = discover.rewritten;
    }
    if (initialize) {
      const init = decideHandshakeResult(this.ctx, 'initialize', message.result, now);
      this.capabilities = init.capabilities;
      if (init.protocolVersion !== undefined) {
        this.version = init.protocolVersion;
        this.versionFromEnvelope = false;
      }
      mergeEffects(fx, init.fx);
      if (init.rewritten !== undefined) rewritten = init.rewritten;
    }
    return rewritten;
  }
}
