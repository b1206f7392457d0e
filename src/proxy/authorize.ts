import type { ServerEntry } from '../lockfile/index.js';
import type { BlockData } from './block.js';
import { isRecordValue } from './jsonrpc.js';
import { SINGULAR, type VerificationView } from './list-verifier.js';
import type { CallPolicy, JsonRpcRequest, ProxyMode } from './types.js';
import { matchesTemplate, normalizeResourceUri } from './uri.js';

export type GateKind = 'tools' | 'prompts' | 'resources';

/** Requests whose target is checked against the verified lock before they may reach the server. */
export const GATED: Readonly<Record<string, GateKind>> = {
  'tools/call': 'tools',
  'prompts/get': 'prompts',
  'resources/read': 'resources',
  'resources/subscribe': 'resources',
};

export type Authorization =
  | { type: 'allow'; digest?: string; entry?: unknown }
  | { type: 'defer' }
  | { type: 'block'; data: BlockData };

/** What authorization reads: the lock, the mode, the policy, and a read-only view of verification. */
export interface AuthorizeContext {
  serverName: string;
  entry: ServerEntry;
  mode: ProxyMode;
  policy?: CallPolicy;
  view: VerificationView;
}

/** The target a gated request names: the URI for resources, else the name. */
export function targetOf(gate: GateKind, message: JsonRpcRequest): string | undefined {
  const v = message.params?.[gate === 'resources' ? 'uri' : 'name'];
  return typeof v === 'string' ? v : undefined;
}

/** True while the verification a gated request depends on is not finished. */
export function waitsForVerification(view: VerificationView, gate: GateKind): boolean {
  return gate === 'resources'
    ? view.isStale('resources') || view.isStale('resourceTemplates')
    : view.isStale(gate);
}

type Base = { server: string; method: string };

/**
 * Decide a gated request: allow only a target verified in this session and not drifted (then call-time
 * policy may still deny it); defer while its verification is running (enforce); block otherwise. Pure.
 */
export function authorizeRequest(
  ctx: AuthorizeContext,
  gate: GateKind,
  message: JsonRpcRequest,
  target: string | undefined,
): Authorization {
  const base = { server: ctx.serverName, method: message.method };
  if (target === undefined) {
    return {
      type: 'block',
      data: { ...base, reason: `${message.method} without a target`, kind: 'invalid' },
    };
  }
  const enforce = ctx.mode === 'enforce';
  let auth: Authorization;
  if (gate === 'resources') {
    auth = authorizeUri(ctx, target, base);
  } else {
    const locked = Object.hasOwn(ctx.entry[gate], target);
    if (enforce && locked && ctx.view.isStale(gate)) return { type: 'defer' };
    auth = authorizeEntry(ctx, gate, target, base);
  }
  if (auth.type !== 'allow' || ctx.policy === undefined) return auth;
  const args = gate === 'resources' ? { uri: target } : message.params?.arguments;
  const verdicts = ctx.policy({
    method: message.method,
    kind: gate,
    name: target,
    entry: auth.entry,
    arguments: isRecordValue(args) ? args : {},
  });
  const denies = verdicts.filter((v) => v.severity === 'error');
  if (denies.length === 0) return auth;
  return {
    type: 'block',
    data: {
      ...base,
      target,
      reason: denies.map((v) => v.message).join('; '),
      kind: 'policy',
      verdicts: denies.map((v) => ({ pack: v.pack, rule: v.rule, message: v.message })),
    },
  };
}

function authorizeEntry(
  ctx: AuthorizeContext,
  kind: 'tools' | 'prompts',
  name: string,
  base: Base,
): Authorization {
  const entries = ctx.entry[kind] as Record<string, { digest: string }>;
  const locked = Object.hasOwn(entries, name) ? entries[name] : undefined;
  const what = `${SINGULAR[kind]} "${name}"`;
  const data = { ...base, target: name };
  if (locked === undefined) {
    return { type: 'block', data: { ...data, reason: `${what} is not in the lockfile`, kind: 'not-locked' } };
  }
  const drift = ctx.view.drift(kind, name);
  if (drift !== undefined) {
    return {
      type: 'block',
      data: { ...data, reason: `${what} differs from the lockfile in this session (${drift})`, kind: drift },
    };
  }
  if (ctx.view.verifiedDigest(kind, name) !== locked.digest) {
    return {
      type: 'block',
      data: { ...data, reason: `${what} was not listed by the server in this session`, kind: 'removed' },
    };
  }
  return { type: 'allow', digest: locked.digest, entry: locked };
}

function authorizeUri(ctx: AuthorizeContext, uri: string, base: Base): Authorization {
  const data = { ...base, target: uri };
  const checked = normalizeResourceUri(uri);
  if (!checked.ok)
    return {
      type: 'block',
      data: { ...data, reason: `URI refused: ${checked.reason}`, kind: 'invalid-uri' },
    };
  if (ctx.mode === 'enforce' && waitsForVerification(ctx.view, 'resources')) return { type: 'defer' };
  const { resources, resourceTemplates } = ctx.entry;
  let drift: BlockData['kind'] | undefined;
  for (const [key, locked] of Object.entries(resources)) {
    const k = normalizeResourceUri(key);
    if (!k.ok || k.normalized !== checked.normalized) continue;
    drift = ctx.view.drift('resources', key);
    if (drift === undefined && ctx.view.verifiedDigest('resources', key) === locked.digest) {
      return { type: 'allow', digest: locked.digest, entry: locked };
    }
  }
  for (const [template, locked] of Object.entries(resourceTemplates)) {
    if (!matchesTemplate(checked.normalized, template)) continue;
    const d = ctx.view.drift('resourceTemplates', template);
    if (d !== undefined) {
      drift = d;
      continue;
    }
    if (ctx.view.verifiedDigest('resourceTemplates', template) === locked.digest) {
      return { type: 'allow', digest: locked.digest, entry: locked };
    }
  }
  if (drift !== undefined) {
    return {
      type: 'block',
      data: { ...data, reason: `resource "${uri}" differs from the lockfile (${drift})`, kind: drift },
    };
  }
  return {
    type: 'block',
    data: {
      ...data,
      reason: 'URI matches no verified locked resource or resource template',
      kind: 'not-locked',
    },
  };
}
