/**
 * Whose verification a piece of verified state is: the upstream it was verified against, the protocol
 * generation it was spoken in (the two can show different surfaces, an era split), and the authorization
 * context of the caller it was verified for (per-caller surfaces must never vouch for one another). A
 * single proxy keeps its state in memory for its one session; a gateway shares it between processes
 * under keys built here, so replicas agree on what a key means.
 */
export interface StateScope {
  upstream: string;
  generation: 'modern' | 'legacy';
  /** An opaque, stable name of the caller's authorization context; ANONYMOUS until identities exist. */
  authorization: string;
}

/** The authorization context of callers with no identity of their own (one shared bearer token, or none). */
export const ANONYMOUS_CONTEXT = 'anonymous';

/** Version of the key layout: replicas of another layout never read these keys as their own. */
const LAYOUT = 'v1';

/**
 * The shared-state key of one entry (`kind`: tools, prompts, …; `key`: its name or URI) in `scope`. NUL
 * separates the parts: upstream names and generations cannot contain it, and the authorization context
 * is escaped, so no two scopes share a key. Pure.
 */
export function stateKey(scope: StateScope, kind: string, key: string): string {
  const authorization = scope.authorization.replaceAll('\\', '\\\\').replaceAll('\u0000', '\\0');
  return [LAYOUT, scope.upstream, scope.generation, authorization, kind, key].join('\u0000');
}
