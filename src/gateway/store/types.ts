/**
 * The state gateway replicas share: in memory for one process (the embedded default), Redis for N replicas
 * behind a load balancer. Keys are opaque strings built by the gateway (upstream name, protocol generation,
 * authorization context, entry kind and name); values are small strings. Implementations keep a local
 * view, kept current by `subscribe`, and say through `ready()` whether that view can be trusted; the one
 * read that waits on the network is `driftConfirmed` (a gated call's drift flag, when the view has none). When it cannot (Redis unreachable), gated calls fail closed.
 */
export interface GatewayStore {
  /** Sticky drift flag: once any replica has seen `key` drift, every replica blocks it. */
  markDrifted(key: string, detail: string): Promise<void>;
  /** The drift detail of `key` from the local view, or undefined when it never drifted. */
  driftOf(key: string): string | undefined;
  /**
   * The drift detail of `key` as the shared state has it now: the local view, and when that has none, a
   * shared store asks the store itself (a flag another replica set a moment ago may not have reached this
   * replica's view yet). The one read that waits on the network, made before a gated call is forwarded.
   * Rejects with StoreUnavailableError when the store cannot be asked: the caller fails closed.
   */
  driftConfirmed(key: string): Promise<string | undefined>;
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
