import { z } from 'zod';
import {
  type Artifact,
  type ClientDeclaration,
  compareKeys,
  type PromptEntry,
  type ResourceEntry,
  type ResourceTemplateEntry,
  type Sandbox,
  type ServerEntry,
  type ServerInfo,
  type Source,
  sealEntry,
  sealServerInfo,
  type ToolEntry,
} from '../lockfile/index.js';
import { formatPath } from '../lockfile/parse.js';
import { CapsealError } from '../shared/errors.js';
import {
  describeDepthExcess,
  findInJson,
  jsonValueDepth,
  MAX_JSON_DEPTH_CEILING,
} from '../shared/json-limits.js';
import { assertWellFormed } from '../shared/validate.js';
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

const ToolWire = z.looseObject({
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: JsonObjectWire,
  outputSchema: JsonObjectWire.optional(),
  annotations: ToolAnnotationsWire.optional(),
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
});

const ResourceWire = z.looseObject({
  uri: z.string(),
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  mimeType: z.string().optional(),
});

const ResourceTemplateWire = z.looseObject({
  uriTemplate: z.string(),
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  mimeType: z.string().optional(),
});

const InitializeResultWire = z.looseObject({
  protocolVersion: z.string(),
  capabilities: JsonObjectWire,
  serverInfo: z.looseObject({ name: z.string(), version: z.string(), title: z.string().optional() }),
  instructions: z.string().optional(),
});

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

/**
 * A tool as the server listed it → its lockfile key (the name) and sealed entry. Keeps exactly the fields
 * the lockfile stores (title, description, inputSchema, outputSchema, annotations' five hints); drops
 * `_meta`, `icons`, `execution` and unknown keys. JSON Schemas are kept verbatim. This is THE function both
 * `lock` and the runtime proxy use, so a live listing and a lockfile compare digest for digest.
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
  return [p.name, sealEntry('prompts', p.name, body) as PromptEntry];
}

/** A resource → [uri, sealed entry] (name, title, description, mimeType; size and annotations dropped). */
export function normalizeResource(resource: unknown): [string, ResourceEntry] {
  const r = read(ResourceWire, resource, 'resource');
  const body = { name: r.name, ...pick(r, ['title', 'description', 'mimeType']) };
  return [r.uri, sealEntry('resources', r.uri, body) as ResourceEntry];
}

/** A resource template → [uriTemplate, sealed entry]. */
export function normalizeResourceTemplate(template: unknown): [string, ResourceTemplateEntry] {
  const t = read(ResourceTemplateWire, template, 'resource template');
  const body = { name: t.name, ...pick(t, ['title', 'description', 'mimeType']) };
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
    protocolVersion: r.protocolVersion,
    capabilities: r.capabilities,
    ...pick(r, ['instructions']),
  });
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

/** The raw material of one snapshot, as the shell gathered it. */
export interface RawSnapshot {
  /** The `result` of the server's initialize response, untouched. */
  initialize: unknown;
  tools: readonly unknown[];
  prompts: readonly unknown[];
  resources: readonly unknown[];
  resourceTemplates: readonly unknown[];
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
 * raw replies give the same entry (and, serialized, the same bytes).
 */
export function buildServerEntry(input: {
  spec: ServerSpec;
  artifact: Artifact;
  sandbox: Sandbox;
  raw: RawSnapshot;
  client?: ClientDeclaration;
}): ServerEntry {
  const { raw } = input;
  return {
    source: sourceOf(input.spec),
    artifact: input.artifact,
    sandbox: input.sandbox,
    client: input.client ?? CLIENT_DECLARATION,
    server: normalizeServerInfo(raw.initialize),
    tools: normalizeList(raw.tools, normalizeTool, 'tool'),
    prompts: normalizeList(raw.prompts, normalizePrompt, 'prompt'),
    resources: normalizeList(raw.resources, normalizeResource, 'resource'),
    resourceTemplates: normalizeList(raw.resourceTemplates, normalizeResourceTemplate, 'resource template'),
  };
}
