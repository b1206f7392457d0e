import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { jsonValueDepth } from '../../shared/index.js';

/**
 * Wraps any client transport and keeps the raw `result` of the last response to each method, so the
 * lockfile records what the server actually sent (the SDK's parsed copies drop or reorder keys).
 */
export class RecordingTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  private readonly methods = new Map<string | number, string>();
  private readonly results = new Map<string, unknown>();
  /** Set when a message nested deeper than the limit arrived; the connection is closed then. */
  tooDeep: { depth: number; limit: number } | undefined;

  constructor(
    readonly inner: Transport,
    private readonly maxJsonDepth: number,
  ) {}

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  setSupportedProtocolVersions(versions: string[]): void {
    this.inner.setSupportedProtocolVersions?.(versions);
  }

  /** The raw result of the last response to `method`, or undefined. */
  resultOf(method: string): unknown {
    return this.results.get(method);
  }

  async start(): Promise<void> {
    this.inner.onclose = () => this.onclose?.();
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onmessage = (message, extra) => {
      if (this.tooDeep !== undefined) return;
      // The HTTP and SSE transports parse for us; measure (iteratively) before anything walks the value.
      const depth = jsonValueDepth(message, this.maxJsonDepth);
      if (depth > this.maxJsonDepth) {
        this.tooDeep = { depth, limit: this.maxJsonDepth };
        this.onerror?.(new Error('message nested too deeply'));
        void this.inner.close().catch(() => {});
        return;
      }
      if ('id' in message && 'result' in message && message.id !== null) {
        const method = this.methods.get(message.id);
        if (method !== undefined) this.results.set(method, message.result);
      }
      this.onmessage?.(message, extra);
    };
    await this.inner.start();
  }

  send(message: JSONRPCMessage, options?: Parameters<Transport['send']>[1]): Promise<void> {
    if ('method' in message && 'id' in message) this.methods.set(message.id, message.method);
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
