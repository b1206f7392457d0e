import { decideBatch } from './batch.js';
import { hostInvalid, hostNotification, hostRequest, hostResponse } from './host-side.js';
import { type Classified, classify } from './jsonrpc.js';
import { serverInvalid, serverNotification, serverRequest, serverResponse } from './server-side.js';
import type { SessionParts } from './session-parts.js';
import type { Effects, JsonRpcError, JsonRpcNotification, JsonRpcRequest, JsonRpcResult } from './types.js';

/** What a session does with each shape of message one side sends. */
interface Side {
  from: 'host' | 'server';
  request(s: SessionParts, message: JsonRpcRequest, now: number): Effects;
  notification(s: SessionParts, message: JsonRpcNotification, now: number): Effects;
  response(s: SessionParts, message: JsonRpcResult | JsonRpcError, now: number, text?: string): Effects;
  invalid(s: SessionParts, c: Extract<Classified, { type: 'invalid' }>, now: number): Effects;
}

const HOST: Side = {
  from: 'host',
  request: hostRequest,
  notification: hostNotification,
  response: hostResponse,
  invalid: (_s, c) => hostInvalid(c),
};

const SERVER: Side = {
  from: 'server',
  request: serverRequest,
  notification: serverNotification,
  response: serverResponse,
  invalid: serverInvalid,
};

/**
 * One parsed line (a message or a batch) from `from`: classified and handed to that side's decision for
 * its shape; a batch is split (or refused) by decideBatch, its members dispatched one by one.
 */
export function dispatchLine(
  s: SessionParts,
  from: 'host' | 'server',
  value: unknown,
  now: number,
  text?: string,
): Effects {
  const side = from === 'host' ? HOST : SERVER;
  if (Array.isArray(value)) {
    const ctx = { from, version: s.handshake.version, record: s.record };
    return decideBatch(ctx, value, (v) => dispatchLine(s, from, v, now), now);
  }
  const c = classify(value);
  switch (c.type) {
    case 'request':
      return side.request(s, c.message, now);
    case 'notification':
      return side.notification(s, c.message, now);
    case 'response':
      return side.response(s, c.message, now, text);
    case 'invalid':
      return side.invalid(s, c, now);
  }
}
