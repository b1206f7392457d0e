import { CapsealError } from '../../shared/index.js';

/**
 * A write (or subscription) the shared store cannot carry out because its view is not current: Redis is
 * unreachable, the store is resyncing, or it was closed. Callers fail closed on it: a gated call that needs
 * the store is refused with this message, never forwarded unchecked.
 */
export class StoreUnavailableError extends CapsealError {
  /** The reason, for `data.kind`-style reporting: `disconnected`, `resyncing` or `closed`. */
  readonly reason: 'disconnected' | 'resyncing' | 'closed';

  constructor(
    reason: 'disconnected' | 'resyncing' | 'closed',
    operation: string,
    options: { cause?: unknown } = {},
  ) {
    super('SERVER_FAILED', `gateway store unavailable (${reason}): cannot ${operation}`, options);
    this.reason = reason;
  }
}
