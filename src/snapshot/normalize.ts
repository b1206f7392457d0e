import { z } from 'zod';
import {
  type Artifact,
  type ClientDeclaration,
  compareKeys,
  formatPath,
  type Generations,
  type Icon,
  type PromptEntry,
  type ResourceEntry,
  type ResourceTemplateEntry,
  type Sandbox,
  type ServerEntry,
  type ServerInfo,
  type Source,
  type Surface,
  sealEntry,
  sealServerInfo,
  type ToolEntry,
} from '../lockfile/index.js';
import {
  assertWellFormed,
  CapsealError,
  describeDepthExcess,
  findInJson,
  jsonValueDepth,
  MAX_JSON_DEPTH_CEILING,
} from '../shared/index.js';
import { surfacesDiffer, withLegacyVocabulary } from './eras.js';
import type { ServerSpec } from './types.js';

/**
 * What capseal declares as an MCP client, pinned and recorded in every lock entry. Servers may expose
 * different tools depending on it (server-everything registers get-roots-list, trigger-sampling-request and
 * trigger-elicitation-request only for clients that declare roots, sampling and elicitation). We declare
 * what a typical full-featured desktop client declares, so that the widest common surface is the one that
 * gets reviewed and locked; we do not declare experimental `tasks` or URL-mode elicitation. capseal never
 * samples or elicits: such requests from a server during a snapshot are answered with an error, and
 * roots/list with an empty list.
 */
export const CLIENT_DECLARATION: ClientDeclaration = {
  name: 'capseal',
  protocolVersion: '2025-11-25',
  capabilities: {
    roots: { listChanged: true },
    sampling: {},
    elicitation: {},
  },
};

// Lenient readers of what servers send (STYLE §3): unknown keys pass, only the fields the lockfile keeps
// are typed. Validation failures name the offending entry by path.
const ToolAnnotationsWire = z.looseObject({
  title: z.string().optional(),
  readOnlyHint: z.boolean().optional(),
  destructiveHint: z.boolean().optional(),
  idempotentHint: z.boolean().optional(),
  openWorldHint: z.boolean().optional(),
});

const JsonObjectWire = z.record(z.string(), z.unknown());

const IconWire = z.looseObject({
  src: z.string(),
  mimeType: z.string().optional(),
  sizes: z.array(z.string()).optional(),
  theme: z.string().optional(),
});
const IconsWire = z.array(IconWire).optional();
const MetaWire = JsonObjectWire.optional();

const ToolWire = z.looseObject({
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: JsonObjectWire,
  outputSchema: JsonObjectWire.optional(),
  annotations: ToolAnnotationsWire.optional(),
  execution: z.looseObject({ taskSupport: z.string().optional() }).optional(),
  icons: IconsWire,
  _meta: MetaWire,
});

const PromptWire = z.looseObject({
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  arguments: z
    .array(
      z.looseObject({
        name: z.string(),
        title: z.string().optional(),
        description: z.string().optional(),
        required: z.boolean().optional(),
      }),
    )
    .optional(),
  icons: IconsWire,
  _meta: MetaWire,
});

const ResourceWire = z.looseObject({
  uri: z.string(),
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  mimeType: z.string().optional(),
  icons: IconsWire,
  _meta: MetaWire,
});

const ResourceTemplateWire = z.looseObject({
  uriTemplate: z.string(),
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  mimeType: z.string().optional(),
  icons: IconsWire,
  _meta: MetaWire,
});

const ImplementationWire = z.looseObject({
  name: z.string(),
  version: z.string(),
  title: z.string().optional(),
  icons: IconsWire,
});

const InitializeResultWire = z.looseObject({
  protocolVersion: z.string(),
  capabilities: JsonObjectWire,
  serverInfo: ImplementationWire,
  instructions: z.string().optional(),
});

/** The `_meta` key of the discover result that carries serverInfo (2026-07-28). */
export const SERVER_INFO_META_KEY = 'io.modelcontextprotocol/serverInfo';

const DiscoverResultWire = z.looseObject({
  supportedVersions: z.array(z.string()),
  capabilities: JsonObjectWire,
  instructions: z.string().optional(),
  _meta: z.looseObject({ [SERVER_INFO_META_KEY]: ImplementationWire.optional() }).optional(),
});

/**
 * `_meta` keys that change from one listing to the next without the server changing: cache hints
 * (SEP-2549 `ttlMs`, `cacheScope`) and W3C trace context. They are never recorded nor diffed.
 */
export const VOLATILE_META_KEYS: readonly string[] = [
  'ttlMs',
  'cacheScope',
  'traceparent',
  'tracestate',
  'baggage',
];

function read<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  // The shells measure every message against the configured limit; this is the floor under every caller
  // (lock and the proxy alike), so no canonicalization below ever recurses past the ceiling.
  const depth = jsonValueDepth(value, MAX_JSON_DEPTH_CEILING);
  if (depth > MAX_JSON_DEPTH_CEILING) {
    throw new CapsealError(
      'SERVER_FAILED',
      `the server sent a ${what} ${describeDepthExcess(depth, MAX_JSON_DEPTH_CEILING)}`,
    );
  }
  assertWellFormed(value, `the server's ${what}`, 'SERVER_FAILED', MAX_JSON_DEPTH_CEILING);
  // The lockfile reader refuses "__proto__" keys (zod would drop them silently): never write one.
  const proto = findInJson(value, MAX_JSON_DEPTH_CEILING, (s, isKey) => isKey && s === '__proto__');
  if (proto !== undefined) {
    throw new CapsealError('SERVER_FAILED', `the server sent a ${what} using the reserved key "__proto__"`, {
      details: [`${formatPath(proto)}: the key "__proto__" cannot be locked`],
    });
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const name =
    value !== null && typeof value === 'object' && 'name' in value && typeof value.name === 'string'
      ? ` "${value.name}"`
      : '';
  throw new CapsealError('SERVER_FAILED', `the server sent an invalid ${what}${name}`, {
    details: result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
  });
}

/** Copy the listed keys whose value is not undefined, in that order. */
function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out;
}

/** `_meta` minus the volatile keys; undefined when nothing is left. Values are kept verbatim. */
function stableMeta(meta: Record<string, unknown> | undefined): { _meta?: Record<string, unknown> } {
  if (meta === undefined) return {};
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(meta)) {
    if (!VOLATILE_META_KEYS.includes(key) && value !== undefined) out.set(key, value);
  }
  return out.size === 0 ? {} : { _meta: Object.fromEntries(out) };
}

/** Icons with exactly the fields the lockfile keeps (src, mimeType, sizes, theme), in the server's order. */
function icons(list: z.infer<typeof IconsWire>): { icons?: Icon[] } {
  if (list === undefined || list.length === 0) return {};
  return { icons: list.map((i) => ({ src: i.src, ...pick(i, ['mimeType', 'sizes', 'theme']) })) };
}

/** `_meta` (stable keys) and `icons`: the version-2 fields every entry kind has. */
function hostFields(wire: {
  icons?: z.infer<typeof IconsWire>;
  _meta?: Record<string, unknown> | undefined;
}) {
  return { ...icons(wire.icons), ...stableMeta(wire._meta) };
}

/**
 * A tool as the server listed it → its lockfile key (the name) and sealed entry. Keeps exactly the fields
 * the lockfile stores (title, description, inputSchema, outputSchema, annotations' five hints,
 * execution.taskSupport, icons, `_meta` without VOLATILE_META_KEYS); drops unknown keys. JSON Schemas and
 * `_meta` are kept verbatim. This is THE function both `lock` and the runtime proxy use, so a live listing
 * and a lockfile compare digest for digest. An entry without the version-2 fields has the same digest as
 * in a version-1 lockfile.
 */
export function normalizeTool(tool: unknown): [string, ToolEntry] {
  const t = read(ToolWire, tool, 'tool');
  const body: Omit<ToolEntry, 'digest'> = {
    ...pick(t, ['title', 'description']),
    inputSchema: t.inputSchema,
    ...pick(t, ['outputSchema']),
  };
  if (t.annotations !== undefined) {
    body.annotations = pick(t.annotations, [
      'title',
      'readOnlyHint',
      'destructiveHint',
      'idempotentHint',
      'openWorldHint',
    ]);
  }
  if (t.execution !== undefined) body.execution = pick(t.execution, ['taskSupport']);
  Object.assign(body, hostFields(t));
  return [t.name, sealEntry('tools', t.name, body) as ToolEntry];
}

/** A prompt → [name, sealed entry]; arguments keep the server's order. */
export function normalizePrompt(prompt: unknown): [string, PromptEntry] {
  const p = read(PromptWire, prompt, 'prompt');
  const body: Omit<PromptEntry, 'digest'> = pick(p, ['title', 'description']);
  if (p.arguments !== undefined) {
    body.arguments = p.arguments.map((a) => ({
      name: a.name,
      ...pick(a, ['title', 'description', 'required']),
    }));
  }
  Object.assign(body, hostFields(p));
  return [p.name, sealEntry('prompts', p.name, body) as PromptEntry];
}

/** A resource → [uri, sealed entry] (name, title, description, mimeType, icons, `_meta`; size and annotations dropped). */
export function normalizeResource(resource: unknown): [string, ResourceEntry] {
  const r = read(ResourceWire, resource, 'resource');
  const body = { name: r.name, ...pick(r, ['title', 'description', 'mimeType']), ...hostFields(r) };
  return [r.uri, sealEntry('resources', r.uri, body) as ResourceEntry];
}

/** A resource template → [uriTemplate, sealed entry]. */
export function normalizeResourceTemplate(template: unknown): [string, ResourceTemplateEntry] {
  const t = read(ResourceTemplateWire, template, 'resource template');
  const body = { name: t.name, ...pick(t, ['title', 'description', 'mimeType']), ...hostFields(t) };
  return [t.uriTemplate, sealEntry('resourceTemplates', t.uriTemplate, body) as ResourceTemplateEntry];
}

/**
 * The `initialize` result as the server sent it (raw JSON-RPC `result`) → the sealed `server` entry:
 * serverInfo name/version/title, negotiated protocol version, capabilities verbatim, instructions.
 */
export function normalizeServerInfo(initializeResult: unknown): ServerInfo {
  const r = read(InitializeResultWire, initializeResult, 'initialize result');
  return sealServerInfo({
    name: r.serverInfo.name,
    version: r.serverInfo.version,
    ...pick(r.serverInfo, ['title']),
    ...icons(r.serverInfo.icons),
    protocolVersion: r.protocolVersion,
    capabilities: r.capabilities,
    ...pick(r, ['instructions']),
  });
}

/**
 * The `server/discover` result (raw JSON-RPC `result`) → the sealed `server` entry of the modern surface
 * and the versions it advertised. serverInfo comes from the result's `_meta` (a SHOULD in 2026-07-28:
 * when absent, name and version are recorded as empty strings); `protocolVersion` is the revision the
 * surface was read with. Capabilities (with `extensions`) are kept verbatim.
 */
export function normalizeDiscover(
  discoverResult: unknown,
  protocolVersion: string,
): { server: ServerInfo; supportedVersions: string[] } {
  const r = read(DiscoverResultWire, discoverResult, 'server/discover result');
  const info = r._meta?.[SERVER_INFO_META_KEY];
  return {
    supportedVersions: [...r.supportedVersions],
    server: sealServerInfo({
      name: info?.name ?? '',
      version: info?.version ?? '',
      ...(info === undefined ? {} : pick(info, ['title'])),
      ...icons(info?.icons),
      protocolVersion,
      capabilities: r.capabilities,
      ...pick(r, ['instructions']),
    }),
  };
}

/**
 * Normalize a whole list reply's items into a record keyed as the lockfile keys them. A key listed twice
 * is an error: two different definitions under one name cannot both be locked (or reviewed).
 */
export function normalizeList<E>(
  items: readonly unknown[],
  normalize: (item: unknown) => [string, E],
  what: string,
): Record<string, E> {
  // A Map, then fromEntries: a key like "__proto__" becomes an own property, never a prototype.
  const out = new Map<string, E>();
  const duplicates = new Set<string>();
  for (const item of items) {
    const [key, entry] = normalize(item);
    if (out.has(key)) duplicates.add(key);
    out.set(key, entry);
  }
  if (duplicates.size > 0) {
    throw new CapsealError('SERVER_FAILED', `the server lists the same ${what} more than once`, {
      details: [...duplicates].map((key) => `${JSON.stringify(key)}: listed more than once`),
    });
  }
  return Object.fromEntries(out);
}

/** The four lists of one generation, each item untouched. */
export interface RawSurface {
  tools: readonly unknown[];
  prompts: readonly unknown[];
  resources: readonly unknown[];
  resourceTemplates: readonly unknown[];
}

/** The raw material of a snapshot through `initialize` alone (the 2025 generation). */
export interface RawSnapshot extends RawSurface {
  /** The `result` of the server's initialize response, untouched. */
  initialize: unknown;
}

/**
 * The raw material of one snapshot, per protocol generation the server answered: `modern` when it
 * answered `server/discover` (the lists were read with the `_meta` envelope), `legacy` when it answered
 * `initialize`. At least one is present.
 */
export interface RawGenerations {
  modern?: RawSurface & {
    /** The `result` of the server/discover response, untouched. */
    discover: unknown;
    /** The revision the lists were read with (the pinned one, 2026-07-28). */
    protocolVersion: string;
  };
  legacy?: RawSnapshot;
}

/** One generation's surface, normalized and sealed (the same shape as the lockfile's `eras.legacy`). */
function normalizeSurface(server: ServerInfo, raw: RawSurface): Surface {
  return {
    server,
    tools: normalizeList(raw.tools, normalizeTool, 'tool'),
    prompts: normalizeList(raw.prompts, normalizePrompt, 'prompt'),
    resources: normalizeList(raw.resources, normalizeResource, 'resource'),
    resourceTemplates: normalizeList(raw.resourceTemplates, normalizeResourceTemplate, 'resource template'),
  };
}

/**
 * How a spec is recorded in `source`: the command line as written (`recorded` when the config's text differs
 * from what is launched), and only the NAMES of env/headers.
 */
export function sourceOf(spec: ServerSpec): Source {
  if (spec.transport === 'stdio') {
    const env = Object.keys(spec.env ?? {}).sort(compareKeys);
    const written = spec.recorded ?? spec;
    return {
      transport: 'stdio',
      command: written.command,
      args: [...written.args],
      ...(written.cwd === undefined ? {} : { cwd: written.cwd }),
      ...(env.length === 0 ? {} : { env }),
    };
  }
  const headers = Object.keys(spec.headers ?? {}).sort(compareKeys);
  return {
    transport: spec.transport,
    url: spec.recorded?.url ?? spec.url,
    ...(headers.length === 0 ? {} : { headers }),
  };
}

/**
 * Assemble one server's lockfile entry from what a snapshot gathered. Pure and deterministic: the same
 * raw replies give the same entry (and, serialized, the same bytes). The recorded surface is the modern
 * one when the server answered server/discover, else the legacy one; `generations` says which answered
 * with which versions; when both answered and their surfaces differ, the legacy surface is recorded too
 * (`eras.legacy`), which diffLocks always reports as critical `server.era-split`.
 */
export function buildServerEntry(input: {
  spec: ServerSpec;
  artifact: Artifact;
  sandbox: Sandbox;
  raw: RawGenerations | RawSnapshot;
  client?: ClientDeclaration;
}): ServerEntry {
  const raw: RawGenerations = 'initialize' in input.raw ? { legacy: input.raw } : input.raw;
  const generations: Generations = {};
  let modern: Surface | undefined;
  let legacy: Surface | undefined;
  if (raw.modern !== undefined) {
    const discovered = normalizeDiscover(raw.modern.discover, raw.modern.protocolVersion);
    generations.modern = { supportedVersions: discovered.supportedVersions };
    modern = normalizeSurface(discovered.server, raw.modern);
  }
  if (raw.legacy !== undefined) {
    const server = normalizeServerInfo(raw.legacy.initialize);
    generations.legacy = { protocolVersion: server.protocolVersion };
    legacy = normalizeSurface(server, raw.legacy);
  }
  const split = modern !== undefined && legacy !== undefined && surfacesDiffer(modern, legacy);
  const primary =
    modern !== undefined && legacy !== undefined && !split
      ? withLegacyVocabulary(modern, legacy)
      : (modern ?? legacy);
  if (primary === undefined) throw new Error('buildServerEntry needs at least one generation');
  return {
    source: sourceOf(input.spec),
    artifact: input.artifact,
    sandbox: input.sandbox,
    client: input.client ?? CLIENT_DECLARATION,
    generations,
    ...primary,
    ...(split && legacy !== undefined ? { eras: { legacy } } : {}),
  };
}
