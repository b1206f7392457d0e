import type { ServerEntry } from '../lockfile/index.js';
import type { ArgumentError, ArgumentValidator } from './arguments.js';
import type { BlockData } from './block.js';
import { isRecordValue } from './jsonrpc.js';
import { SINGULAR, type VerificationView } from './list-verifier.js';
import type { CallPolicy, JsonRpcRequest, ProxyMode } from './types.js';
import { checkResourceUri, matchesTemplate } from './uri.js';

/** What a gated request targets: a tool, a prompt, a resource URI, or (completion) a locked template. */
export type GateKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

/** Requests whose target is checked against the verified lock before they may reach the server. */
const GATED: Readonly<Record<string, GateKind>> = {
  'tools/call': 'tools',
  'prompts/get': 'prompts',
  'resources/read': 'resources',
  'resources/subscribe': 'resources',
};

/**
 * The gate and target of a request, or undefined when its method is not gated. `completion/complete` is
 * gated like what its `ref` names: `ref/prompt` → the prompt, `ref/resource` → the locked template; any
 * other ref has no target (blocked as `invalid`).
 */
export function gateOf(message: JsonRpcRequest): { gate: GateKind; target: string | undefined } | undefined {
  const params = message.params;
  if (message.method === 'completion/complete') {
    const ref = params?.ref;
    if (!isRecordValue(ref)) return { gate: 'prompts', target: undefined };
    if (ref.type === 'ref/prompt') return { gate: 'prompts', target: str(ref.name) };
    if (ref.type === 'ref/resource') return { gate: 'resourceTemplates', target: str(ref.uri) };
    return { gate: 'prompts', target: undefined };
  }
  const gate = Object.hasOwn(GATED, message.method) ? GATED[message.method] : undefined;
  if (gate === undefined) return undefined;
  return { gate, target: str(params?.[gate === 'resources' ? 'uri' : 'name']) };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

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
  /** Validates tools/call and prompts/get arguments against the locked entry (absent: not validated). */
  args?: ArgumentValidator;
}

/** True while the verification a gated request depends on is not finished. */
export function waitsForVerification(view: VerificationView, gate: GateKind): boolean {
  return gate === 'resources'
    ? view.isStale('resources') || view.isStale('resourceTemplates')
    : view.isStale(gate);
}

type Base = { server: string; method: string };

/** tools/call against the locked inputSchema, prompts/get against the locked prompt arguments. */
function checkArguments(
  args: ArgumentValidator,
  message: JsonRpcRequest,
  entry: unknown,
): ArgumentError[] | undefined {
  if (message.method === 'tools/call')
    return args.tool(entry as Parameters<ArgumentValidator['tool']>[0], message.params?.arguments ?? {});
  if (message.method === 'prompts/get')
    return args.prompt(entry as Parameters<ArgumentValidator['prompt']>[0], message.params?.arguments);
  return undefined;
}

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
  } else if (gate === 'resourceTemplates') {
    if (enforce && Object.hasOwn(ctx.entry.resourceTemplates, target) && ctx.view.isStale(gate))
      return { type: 'defer' };
    auth = authorizeEntry(ctx, gate, target, base);
  } else {
    const locked = Object.hasOwn(ctx.entry[gate], target);
    if (enforce && locked && ctx.view.isStale(gate)) return { type: 'defer' };
    auth = authorizeEntry(ctx, gate, target, base);
  }
  if (auth.type !== 'allow') return auth;
  const invalid = ctx.args === undefined ? undefined : checkArguments(ctx.args, message, auth.entry);
  if (invalid !== undefined) {
    const reason = `arguments do not match the locked ${message.method === 'tools/call' ? 'inputSchema' : 'prompt arguments'}: ${invalid.map((e) => `${e.path || '/'} ${e.message}`).join('; ')}`;
    return { type: 'block', data: { ...base, target, reason, kind: 'invalid-arguments', errors: invalid } };
  }
  if (ctx.policy === undefined) return auth;
  const args =
    gate === 'resources' || gate === 'resourceTemplates' ? { uri: target } : message.params?.arguments;
  const verdicts = ctx.policy({
    method: message.method,
    kind: gate === 'resourceTemplates' ? 'resources' : gate,
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
  kind: 'tools' | 'prompts' | 'resourceTemplates',
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
  const checked = checkResourceUri(uri);
  if (!checked.ok)
    return {
      type: 'block',
      data: { ...data, reason: `URI refused: ${checked.reason}`, kind: 'invalid-uri' },
    };
  if (ctx.mode === 'enforce' && waitsForVerification(ctx.view, 'resources')) return { type: 'defer' };
  const { resources, resourceTemplates } = ctx.entry;
  let drift: BlockData['kind'] | undefined;
  // A locked resource matches only its exact string: what is checked is what is forwarded.
  const locked = Object.hasOwn(resources, uri) ? resources[uri] : undefined;
  if (locked !== undefined) {
    drift = ctx.view.drift('resources', uri);
    if (drift === undefined && ctx.view.verifiedDigest('resources', uri) === locked.digest) {
      return { type: 'allow', digest: locked.digest, entry: locked };
    }
  }
  for (const [template, locked] of Object.entries(resourceTemplates)) {
    if (!matchesTemplate(checked.uri, template)) continue;
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
