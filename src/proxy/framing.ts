/**
 * Newline framing with a hard line limit, the same wire format as the SDK's stdio ReadBuffer/serializeMessage
 * (one JSON text per line, `\r\n` tolerated) but survivable: an over-long line is skipped up to its newline
 * and reported (with its first and last bytes, so the caller can try to recover an id), and the stream keeps flowing.
 * Pure: feed it chunks, get events.
 */

import type { JsonRpcId } from './types.js';

export type FrameEvent =
  | { type: 'line'; text: string }
  | { type: 'oversized'; bytes: number; head: string; tail: string };

/** Bytes of an over-long line kept for id recovery. */
const HEAD_BYTES = 512;

export class LineSplitter {
  private readonly maxLineBytes: number;
  private chunks: Buffer[] = [];
  private size = 0;
  /** While skipping an over-long line: bytes skipped so far and its head. */
  private skipping: { bytes: number; head: string; tail: Buffer } | undefined;

  constructor(maxLineBytes: number) {
    this.maxLineBytes = maxLineBytes;
  }

  /** Feed one chunk; returns the complete lines (and over-long line reports) it finished. */
  push(chunk: Buffer): FrameEvent[] {
    const events: FrameEvent[] = [];
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      if (nl !== -1 && this.size === 0 && this.skipping === undefined && end - start <= this.maxLineBytes) {
        // The common case, a whole line inside this chunk: decoded in place, nothing buffered.
        pushLine(events, chunk, start, end);
        start = nl + 1;
        continue;
      }
      const piece = chunk.subarray(start, end);
      if (this.skipping) {
        this.skipping.bytes += piece.length;
        this.skipping.tail = keepTail(this.skipping.tail, piece);
      } else if (this.size + piece.length > this.maxLineBytes) {
        const head = Buffer.concat([...this.chunks, piece.subarray(0, HEAD_BYTES)])
          .subarray(0, HEAD_BYTES)
          .toString('utf8');
        const tail = keepTail(
          Buffer.concat([...this.chunks.slice(-1), piece.subarray(-HEAD_BYTES)]),
          Buffer.alloc(0),
        );
        this.skipping = { bytes: this.size + piece.length, head, tail };
        this.chunks = [];
        this.size = 0;
      } else if (piece.length > 0) {
        this.chunks.push(piece);
        this.size += piece.length;
      }
      if (nl === -1) break;
      if (this.skipping) {
        const { bytes, head, tail } = this.skipping;
        events.push({ type: 'oversized', bytes, head, tail: tail.toString('utf8') });
        this.skipping = undefined;
      } else {
        const line = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
        this.chunks = [];
        this.size = 0;
        pushLine(events, line, 0, line.length);
      }
      start = nl + 1;
    }
    return events;
  }

  /** Bytes buffered of an unfinished line (for tests and diagnostics). */
  get pendingBytes(): number {
    return this.size;
  }
}

/** The line in `buf[start, end)` as a line event, without a trailing `\r`; blank lines are skipped. */
function pushLine(events: FrameEvent[], buf: Buffer, start: number, end: number): void {
  const stop = end > start && buf[end - 1] === 13 ? end - 1 : end;
  const text = buf.toString('utf8', start, stop);
  if (text.trim().length > 0) events.push({ type: 'line', text });
}

function keepTail(tail: Buffer, piece: Buffer): Buffer {
  if (piece.length >= HEAD_BYTES) return Buffer.from(piece.subarray(piece.length - HEAD_BYTES));
  const joined = Buffer.concat([tail, piece]);
  return joined.length > HEAD_BYTES ? joined.subarray(joined.length - HEAD_BYTES) : joined;
}

const ID = '(-?\\d{1,15}|"(?:[^"\\\\]|\\\\.){0,200}")';
const ID_AT_HEAD = new RegExp(
  `^\\s*\\{\\s*(?:"jsonrpc"\\s*:\\s*"2\\.0"\\s*,\\s*)?"id"\\s*:\\s*${ID}\\s*[,}]`,
);
const ID_AT_TAIL = new RegExp(`[,{]\\s*"id"\\s*:\\s*${ID}\\s*\\}\\s*$`);

/**
 * Recover a top-level request/response id cheaply from the head or tail of a line that cannot be parsed:
 * when `"id"` comes first (`{"jsonrpc":"2.0","id":7,...}`) or last (`...,"id":7}`), never from inside.
 */
export function recoverId(head: string, tail = ''): string | number | undefined {
  const atHead = ID_AT_HEAD.exec(head);
  // The SDK writes responses as {"result":…,"jsonrpc":"2.0","id":7}: the id is then the last top-level
  // key, recognizable because exactly one closing brace follows it.
  const atTail = atHead ? undefined : ID_AT_TAIL.exec(tail);
  const raw = (atHead ?? atTail)?.[1];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as string | number;
  } catch {
    return undefined;
  }
}

/**
 * Marks a forwarded message with the exact text it should be written as (the received line with only its
 * id replaced), so the shell skips a JSON.stringify of the result. A symbol key: invisible to JSON.stringify
 * and to Object.keys. (A plain symbol-keyed property, not Object.defineProperty, which costs ten times more
 * on the hot path.) A spread copy carries it along, so attach it only to the final message.
 */
export const RAW_LINE: unique symbol = Symbol('capseal.rawLine');

/** `message` itself when `raw` is undefined, else a copy that carries `raw` under RAW_LINE. */
export function withRawLine<T extends object>(message: T, raw: string | undefined): T {
  return raw === undefined ? message : { ...message, [RAW_LINE]: raw };
}

/**
 * The received line with its top-level id replaced, or undefined unless that is unambiguous: the line ends
 * with `"id":<old>}` (as the SDK writes every message) and `"id"` appears nowhere else in it, so no
 * duplicate key can make the host read another id than the proxy did. The line was already parsed as JSON.
 */
export function spliceId(text: string, oldId: string | number, newId: JsonRpcId): string | undefined {
  // Fast path, the SDK's own shape: the text ends with exactly `"id":<oldId>}` and that is the first `"id"`.
  // Valid JSON can only end with the closing brace of its top-level object, so this is the top-level id.
  if (typeof oldId === 'number') {
    const needle = `"id":${oldId}}`;
    const at = text.length - needle.length;
    if (text.endsWith(needle) && text.indexOf('"id"') === at) {
      return `${text.slice(0, at + 5)}${JSON.stringify(newId)}}`;
    }
  }
  const tail = text.length > 256 ? text.slice(-256) : text;
  const m = ID_AT_TAIL.exec(tail);
  if (m === null || m[1] === undefined) return undefined;
  if (text.indexOf('"id"') !== text.lastIndexOf('"id"')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(m[1]);
  } catch {
    return undefined;
  }
  if (parsed !== oldId) return undefined;
  const start = text.length - tail.length + m.index + m[0].lastIndexOf(m[1]);
  return `${text.slice(0, start)}${JSON.stringify(newId)}${text.slice(start + m[1].length)}`;
}

/** One message (or batch) as a line: exactly the SDK's serializeMessage format (or its RAW_LINE). */
export function serializeLine(message: unknown): string {
  const raw = (message as { [RAW_LINE]?: string })[RAW_LINE];
  return raw !== undefined ? `${raw}\n` : `${JSON.stringify(message)}\n`;
}
