import type { EntryKind } from '../lockfile/index.js';
import type { Verdict } from '../policy/index.js';
import { DEFAULT_MAX_JSON_DEPTH } from '../shared/index.js';

/**
 * enforce: filter lists and block calls to anything not verified in this session (default).
 * filter-only: filter lists, let every call through (records what enforce would have blocked).
 * audit-only: change nothing, record every decision enforce would have taken.
 */
export const PROXY_MODES = ['enforce', 'filter-only', 'audit-only'] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];

// capseal's own JSON-RPC error codes (STYLE §20). They sit in -32000…-32019, the sub-range the 2026-07-28
// spec leaves to implementations, and avoid every code an MCP SDK or an earlier spec uses there: -32000
// (ConnectionClosed, TS v1/v2 and Python), -32001 (TS v1 RequestTimeout; "Session not found" over HTTP),
// -32002 (resource not found, spec ≤ 2025-11-25, never reused), -32003/-32004 (drafts of 2026-07-28 used
// them for missing capability / unsupported version before they moved to -32021/-32022). docs/proxy.md.

/** The one JSON-RPC error code a host sees when capseal blocks a request (`data.kind` says why). */
export const BLOCKED_CODE = -32010;
/** A proxy limit was hit (pending requests, line size, timeout): fail closed with this code. */
export const LIMIT_CODE = -32011;
/** The server went away (crashed or exited) while the request was pending. */
export const SERVER_GONE_CODE = -32012;

/** Explicit limits (STYLE §11). Hitting one answers with LIMIT_CODE or drops-and-logs; never a hang. */
export interface ProxyLimits {
  /** Longest accepted line (one JSON-RPC message or batch), in bytes, in either direction. */
  maxLineBytes: number;
  /** Requests in flight host→server; one more is answered with LIMIT_CODE. */
  maxPending: number;
  /** A request (host's or the proxy's own re-list) unanswered for this long is failed. */
  requestTimeoutMs: number;
  /** Max pages the proxy follows when it re-lists on its own. */
  pageCap: number;
  /** Deepest nesting of objects and arrays accepted in one message, either direction. */
  maxDepth: number;
}

export const DEFAULT_PROXY_LIMITS: ProxyLimits = {
  maxLineBytes: 4 * 1024 * 1024,
  maxPending: 1024,
  requestTimeoutMs: 120_000,
  pageCap: 100,
  maxDepth: DEFAULT_MAX_JSON_DEPTH,
};

/** An integer id beyond 2^53 kept as its exact digits (a JSON.rawJSON value: serializes as the number). */
export interface RawIntegerId {
  readonly rawJSON: string;
}
/** Strings, safe integers, and larger integers kept exactly (never rounded). */
export type JsonRpcId = string | number | RawIntegerId;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcResult {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result: Record<string, unknown>;
}
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}
export interface JsonRpcError {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  error: JsonRpcErrorObject;
}
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResult | JsonRpcError;

/** Turns one live list item into the lockfile key and entry (with digest), exactly as at lock time. */
export type EntryNormalizer = (item: unknown) => [string, { digest: string }];
export type EntryNormalizers = Record<EntryKind, EntryNormalizer>;

/** What a call-time policy sees; returns verdicts, and any `error` verdict blocks that call. */
export interface CallPolicyInput {
  /** tools/call, prompts/get, resources/read, resources/subscribe, completion/complete, or an extension method. */
  method: string;
  kind: 'tools' | 'prompts' | 'resources' | 'extension';
  /** Tool or prompt name, resource URI, or the extension method. */
  name: string;
  /** The locked entry (undefined for a URI matched only through a template). */
  entry: unknown;
  arguments: Record<string, unknown>;
}
export type CallPolicy = (input: CallPolicyInput) => Verdict[];

/** A server's answer to tools/call, prompts/get or resources/read, as the content scanner sees it. */
export interface ResultPolicyInput {
  method: 'tools/call' | 'prompts/get' | 'resources/read';
  /** Tool or prompt name, or resource URI. */
  name: string;
  result: Record<string, unknown>;
}
/** What to do with a result: forward, audit (forward, record), redact (forward `result`), block. */
export interface ResultDecision {
  action: 'forward' | 'audit' | 'redact' | 'block';
  verdicts: Verdict[];
  /** The redacted result, for action redact. */
  result?: Record<string, unknown>;
}
/** Runtime content scanning (rules that read `result`); see policy/content.ts. */
export type ResultPolicy = (input: ResultPolicyInput) => ResultDecision;

/** Why an entry is not usable in this session. */
export type DriftKind = 'added' | 'changed' | 'relist-failed';

/** One audit record: one per decision. Argument values only when the operator asked for them. */
export interface AuditRecord {
  time: string;
  session: string;
  direction: 'host→server' | 'server→host';
  method: string;
  /** Tool or prompt name, resource URI, or list kind. */
  target?: string;
  decision: 'allow' | 'block' | 'filter' | 'drop' | 'error';
  reason?: string;
  /** Drift kind or policy rule behind a block/filter. */
  kind?: string;
  digest?: string;
  /** Time from the request to its answer, when the decision is about a round trip. */
  durationMs?: number;
  /** Entries removed from a list response (filter), by key and drift kind. */
  removed?: { key: string; kind: DriftKind }[];
  /** What enforce would have done, in filter-only/audit-only modes. */
  wouldBe?: 'block' | 'filter';
  arguments?: unknown;
  verdicts?: Pick<Verdict, 'pack' | 'rule' | 'severity' | 'message'>[];
}

/** What the shell must do after one decision: send these, log these. Order within each array matters. */
export interface Effects {
  toServer: JsonRpcMessage[];
  toHost: JsonRpcMessage[];
  audit: AuditRecord[];
  log: string[];
}
