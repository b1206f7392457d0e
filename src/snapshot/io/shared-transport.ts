import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';

/**
 * One connection that several clients use one after another: a stdio server probed with `server/discover`
 * and, when it declines, read through `initialize` on the same process (what an SDK v2 client in `auto`
 * mode does on a connection it probes in place). `view()` hands each client a Transport whose close()
 * detaches it and leaves the connection open; only close() here ends the connection (and, for stdio, kills
 * the process group). The inner transport is started once, by the first view. One view at a time.
 */
export class SharedTransport {
  private current: SharedView | undefined;
  private starting: Promise<void> | undefined;
  private ended = false;

  constructor(readonly inner: Transport) {}

  /** True once the inner transport closed (the process exited, the connection dropped, or close()). */
  get closed(): boolean {
    return this.ended;
  }

  /** A Transport for the next client; it delivers nothing until that client starts it. */
  view(): Transport {
    return new SharedView(this);
  }

  attach(view: SharedView): Promise<void> {
    if (this.ended) return Promise.reject(new Error('the connection is closed'));
    if (this.current !== undefined) return Promise.reject(new Error('the connection is in use'));
    this.current = view;
    this.starting ??= (() => {
      this.inner.onmessage = (message, extra) => this.current?.onmessage?.(message, extra);
      this.inner.onerror = (error) => this.current?.onerror?.(error);
      this.inner.onclose = () => {
        this.ended = true;
        const view = this.current;
        this.current = undefined;
        view?.onclose?.();
      };
      return this.inner.start();
    })();
    return this.starting;
  }

  detach(view: SharedView): void {
    if (this.current === view) this.current = undefined;
  }

  isCurrent(view: SharedView): boolean {
    return this.current === view;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

class SharedView implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  private detached = false;

  constructor(private readonly shared: SharedTransport) {}

  get sessionId(): string | undefined {
    return this.shared.inner.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.shared.inner.setProtocolVersion?.(version);
  }

  setSupportedProtocolVersions(versions: string[]): void {
    this.shared.inner.setSupportedProtocolVersions?.(versions);
  }

  start(): Promise<void> {
    return this.shared.attach(this);
  }

  send(message: JSONRPCMessage, options?: Parameters<Transport['send']>[1]): Promise<void> {
    if (this.detached || !this.shared.isCurrent(this)) {
      return Promise.reject(new Error('not connected'));
    }
    return this.shared.inner.send(message, options);
  }

  /** Detach: this client is done; the connection stays open for the next one. */
  async close(): Promise<void> {
    if (this.detached) return;
    this.detached = true;
    const wasCurrent = this.shared.isCurrent(this);
    this.shared.detach(this);
    if (wasCurrent) this.onclose?.();
  }
}
