/**
 * The state gateway replicas share: in memory for one process (the embedded default), Redis for N replicas
 * behind a load balancer. Keys are opaque strings built by the gateway (upstream name, protocol generation,
 * authorization context, entry kind and name); values are small strings. The hot path never waits on the
 * network for a read: implementations keep a local view, kept current by `subscribe`, and say through
 * `ready()` whether that view can be trusted. When it cannot (Redis unreachable), gated calls fail closed.
 */
export interface GatewayStore {
  /** Sticky drift flag: once any replica has seen `key` drift, every replica blocks it. */
  markDrifted(key: string, detail: string): Promise<void>;
  /** The drift detail of `key` from the local view, or undefined when it never drifted. */
  driftOf(key: string): string | undefined;
  /** Record the normalized digest a replica verified for `key` (an upstream list, an entry). */
  putVerified(key: string, digest: string): Promise<void>;
  /** The verified digest of `key` from the local view. */
  verifiedOf(key: string): string | undefined;
  /** Fan a message out to every replica (list_changed, subscription updates). */
  publish(channel: string, message: string): Promise<void>;
  /** Receive `publish`ed messages of `channel`, this replica's own included; returns the unsubscribe. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  /** Whether the local view is current (connected and synced); false ⇒ fail closed, /readyz false. */
  ready(): boolean;
  /** Called with the new readiness whenever it changes. */
  onReadyChange(listener: (ready: boolean) => void): void;
  close(): Promise<void>;
}
