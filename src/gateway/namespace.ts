import { MAX_NAME_LENGTH, NAME_CHARS } from './config.js';

/** The four kinds of entry an upstream exposes; each kind is its own namespace. */
export const ENTRY_KINDS = ['tools', 'prompts', 'resources', 'resourceTemplates'] as const;
export type EntryKindName = (typeof ENTRY_KINDS)[number];

/**
 * How exposed names are built: `<upstream><separator><name>` (URIs and URI templates alike), except for the
 * one upstream the config marks `unprefixed`, whose entries keep their own names.
 */
export interface Namespace {
  separator: string;
  /** The prefixed upstreams' names, longest first (a longer prefix wins when two match). */
  upstreams: readonly string[];
  /** The upstream exposed under its own names, if any: it gets only what no prefix claims. */
  unprefixed?: string;
}

/** A namespace over `upstreams`; `unprefixed` (one of them, or undefined) keeps its entries' own names. */
export function createNamespace(
  separator: string,
  upstreams: readonly string[],
  unprefixed?: string,
): Namespace {
  const prefixed = upstreams
    .filter((u) => u !== unprefixed)
    .sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  return {
    separator,
    upstreams: prefixed,
    ...(unprefixed !== undefined && upstreams.includes(unprefixed) ? { unprefixed } : {}),
  };
}

/** The exposed name of an upstream's entry (tool or prompt name, resource URI, URI template). Pure. */
export function exposeName(ns: Namespace, upstream: string, name: string): string {
  return upstream === ns.unprefixed ? name : `${upstream}${ns.separator}${name}`;
}

/**
 * The upstream and its own name behind an exposed name: the longest upstream prefix followed by the
 * separator (start-up checks make the choice unique for locked names); a name no prefix claims goes to the
 * unprefixed upstream, if there is one, as it is. Undefined when neither applies. Prefixes always win, so
 * an unprefixed upstream can never take a name that routes to another upstream.
 */
export function resolveName(ns: Namespace, exposed: string): { upstream: string; name: string } | undefined {
  for (const upstream of ns.upstreams) {
    const prefix = `${upstream}${ns.separator}`;
    if (exposed.startsWith(prefix) && exposed.length > prefix.length)
      return { upstream, name: exposed.slice(prefix.length) };
  }
  if (ns.unprefixed !== undefined && exposed.length > 0) return { upstream: ns.unprefixed, name: exposed };
  return undefined;
}

/** Whether an upstream's entry, exposed, routes back to that upstream and that name. Pure. */
export function routesBack(ns: Namespace, upstream: string, name: string): boolean {
  const routed = resolveName(ns, exposeName(ns, upstream, name));
  return routed?.upstream === upstream && routed.name === name;
}

/** What one upstream's lockfile entry names, per kind (keys as the lock has them). */
export interface LockedNames {
  upstream: string;
  names: Record<EntryKindName, readonly string[]>;
}

/**
 * Start-up problems of the merged namespace, as `path: message`: two upstreams whose entries would be
 * exposed under one name (collision; an unprefixed upstream's name equal to another's prefixed one
 * included), a name that would route to another upstream than its own (an unprefixed `fs__x` while an
 * upstream `fs` exists), and
 * exposed tool or prompt names outside the spec's rules ([A-Za-z0-9_.-], 1–128 characters). Pure.
 */
export function findNamespaceProblems(ns: Namespace, locked: readonly LockedNames[]): string[] {
  const problems: string[] = [];
  for (const kind of ENTRY_KINDS) {
    const owner = new Map<string, string>();
    for (const { upstream, names } of locked) {
      for (const name of names[kind]) {
        const exposed = exposeName(ns, upstream, name);
        const at = `upstreams.${upstream}.${kind}[${JSON.stringify(name)}]`;
        const first = owner.get(exposed);
        if (first !== undefined) {
          problems.push(`${at}: exposed as ${exposed}, which upstream ${first} also exposes`);
          continue;
        }
        owner.set(exposed, upstream);
        const routed = resolveName(ns, exposed);
        if (routed?.upstream !== upstream)
          problems.push(`${at}: exposed as ${exposed}, which would route to upstream ${routed?.upstream}`);
        if ((kind === 'tools' || kind === 'prompts') && !validName(exposed))
          problems.push(
            `${at}: exposed as ${exposed}, outside [A-Za-z0-9_.-] 1–${MAX_NAME_LENGTH} characters`,
          );
      }
    }
  }
  return problems;
}

function validName(name: string): boolean {
  return name.length >= 1 && name.length <= MAX_NAME_LENGTH && NAME_CHARS.test(name);
}
