import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';

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

  constructor(readonly inner: Transport) {}

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
