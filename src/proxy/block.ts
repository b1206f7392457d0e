import type { ArgumentError } from './arguments.js';

/**
 * Why capseal blocks a request: the machine-readable `data.kind` of the BLOCKED_CODE error. This tuple is
 * the one list; docs/proxy.md documents each entry and a test holds the two equal.
 */
export const BLOCK_KINDS = [
  /** The tool, prompt, resource or template is not in the lockfile. */
  'not-locked',
  /** Drift seen in this session: the server listed an entry the lock does not have under that key. */
  'added',
  /** Drift seen in this session: the server listed the entry with another digest (sticky). */
  'changed',
  /** Locked, but the server did not list it in this session. */
  'removed',
  /** The proxy's own re-list failed (error, timeout, page cap): every entry of that kind is blocked. */
  'relist-failed',
  /** A resource URI was refused before matching (encoding, traversal, userinfo, …). */
  'invalid-uri',
  /** A gated request without a target (no `name` or `uri`). */
  'invalid',
  /** A call-time rule of a `--policy` pack denied it; `data.verdicts` lists them. */
  'policy',
  /** A result-time rule (action: block) found injected instructions in what the server returned. */
  'content',
  /** A method the negotiated protocol version does not define for that direction, and no pack allowed. */
  'method-not-allowed',
  /** tools/call or prompts/get arguments that the locked inputSchema / prompt arguments refuse. */
  'invalid-arguments',
  /** A task method naming a task id this client did not create (tasks/get, tasks/result, tasks/cancel, tasks/update). */
  'task-not-owned',
] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];

/** Why a request is blocked: the `data` object of the BLOCKED_CODE error a host receives. */
export interface BlockData {
  reason: string;
  kind: BlockKind;
  server: string;
  method: string;
  target?: string;
  verdicts?: { pack: string; rule: string; message: string }[];
  /** With `invalid-arguments`: the first validation errors. */
  errors?: ArgumentError[];
}
