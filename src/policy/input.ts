import { z } from 'zod';
import type { Drift } from '../diff/index.js';
import type { ServerEntry } from '../lockfile/index.js';

/**
 * The one input every policy rule sees, in CI (`policy check`, `check --policy`, the Action) and at runtime
 * (the proxy adds `call`). Optional strings of the lockfile are normalized to "" and absent objects to {}
 * so rules never need `has()` for them; JSON Schemas, annotations and call arguments stay verbatim maps.
 * policies/input.schema.json is generated from this schema (a test fails when it is stale).
 */

const str = (doc: string) => z.string().describe(doc);
const anyMap = (doc: string) => z.record(z.string(), z.unknown()).describe(doc);

export const PolicyArtifactSchema = z
  .strictObject({
    kind: z.enum(['npm', 'file', 'docker', 'remote', 'unresolved']),
    name: str('npm package name ("" otherwise)'),
    version: str('npm version ("" otherwise)'),
    integrity: str('npm SRI sha512 integrity ("" otherwise)'),
    path: str('file path ("" otherwise)'),
    sha256: str('file sha256 ("" otherwise)'),
    image: str('docker image ("" otherwise)'),
    digest: str('docker image digest ("" when unresolved or not docker)'),
    url: str('remote server URL ("" otherwise)'),
    reason: str('why no artifact hash could be recorded ("" otherwise)'),
  })
  .describe('The artifact pin, flattened: fields that do not apply to the kind are ""');

export const PolicyServerSchema = z
  .strictObject({
    name: str('Key of the server in the lockfile / config'),
    info: z
      .strictObject({
        name: str('serverInfo.name'),
        version: str('serverInfo.version'),
        title: str('serverInfo.title ("" when absent)'),
        protocolVersion: str('Negotiated protocol version'),
        capabilities: anyMap('Capabilities the server declared'),
        instructions: str('Server instructions handed to the model ("" when absent)'),
      })
      .describe('What the server said about itself in initialize'),
    transport: z.enum(['stdio', 'streamable-http', 'sse']),
    command: str('stdio command ("" for remote servers)'),
    args: z.array(z.string()).describe('stdio arguments ([] for remote servers)'),
    url: str('Remote URL ("" for stdio servers)'),
    artifact: PolicyArtifactSchema,
    sandbox: z
      .strictObject({
        env: z.enum(['allow-list', 'none']),
        home: z.enum(['temp', 'inherited']),
        cwd: z.enum(['temp', 'configured', 'inherited']),
        network: z.enum(['denied', 'allowed', 'not-applicable']),
      })
      .describe('Sandbox protections that applied when the entry was snapshotted'),
    peerTools: z
      .array(z.string())
      .describe(
        'Tool names of the other servers of the same lockfile, sorted, unique (a host runs them side by side; [] when only this server is known)',
      ),
    peerPrompts: z.array(z.string()).describe('Prompt names of the other servers of the same lockfile'),
  })
  .describe('The server');

export const PolicyToolSchema = z.strictObject({
  name: str('Tool name'),
  title: str('title, else annotations.title, else ""'),
  description: str('Description ("" when absent)'),
  inputSchema: anyMap('JSON Schema of the arguments, verbatim'),
  outputSchema: anyMap('JSON Schema of structured results, verbatim ({} when absent)'),
  annotations: anyMap('MCP annotations as declared ({} when absent)'),
  texts: z
    .array(z.string())
    .describe(
      'Every text the model reads about this tool except its name: title, description, annotations.title, ' +
        'and every property name and string value nested in inputSchema/outputSchema (descriptions, enums, defaults…)',
    ),
});

export const PolicyPromptSchema = z.strictObject({
  name: str('Prompt name'),
  title: str('Title ("" when absent)'),
  description: str('Description ("" when absent)'),
  arguments: z.array(
    z.strictObject({
      name: z.string(),
      title: z.string(),
      description: z.string(),
      required: z.boolean(),
    }),
  ),
  texts: z.array(z.string()).describe('title, description and every argument name/title/description'),
});

const resourceShape = {
  name: str('Resource name'),
  title: str('Title ("" when absent)'),
  description: str('Description ("" when absent)'),
  mimeType: str('MIME type ("" when absent)'),
  texts: z.array(z.string()).describe('name, title and description'),
};

export const PolicyResourceSchema = z.strictObject({ uri: str('Resource URI'), ...resourceShape });
export const PolicyTemplateSchema = z.strictObject({
  uriTemplate: str('RFC 6570 URI template'),
  ...resourceShape,
});

export const PolicyDriftSchema = z
  .strictObject({
    kind: str('Stable drift kind, e.g. tool.description.changed (see docs/drift.md, Drift kinds)'),
    severity: z.enum(['critical', 'moderate', 'info']),
    subject: z.enum(['server', 'tool', 'prompt', 'resource', 'resourceTemplate']),
    key: str('Entry key (tool name, URI, …) or ""'),
    path: str('Lockfile path, e.g. servers.s.tools.x.description'),
    message: str('One human sentence'),
  })
  .describe('One drift against the locked state (empty in `policy check`; filled by `check`)');

export const PolicyCallSchema = z
  .strictObject({
    method: str('JSON-RPC method, e.g. tools/call'),
    tool: str('Tool name for tools/call ("" otherwise)'),
    uri: str('Resource URI for resources/read ("" otherwise)'),
    prompt: str('Prompt name for prompts/get ("" otherwise)'),
    arguments: anyMap('Call arguments, verbatim ({} when absent)'),
  })
  .describe(
    'The request being made; only present at runtime (proxy). Rules that mention `call` run only there',
  );

export const PolicyResultSchema = z
  .strictObject({
    method: z
      .enum(['tools/call', 'prompts/get', 'resources/read'])
      .describe('The request the result answers'),
    name: str('Tool or prompt name, or resource URI'),
    texts: z
      .array(z.string())
      .describe(
        'Every text the model reads from the result: tool content text and embedded resource text, every string ' +
          'in structuredContent, prompt message texts, resource text contents (bounded: see truncated)',
      ),
    truncated: z.boolean().describe('True when the result had more text than the scanner reads (64 KB)'),
  })
  .describe(
    'What a server returned; only present at runtime (proxy). Rules that mention `result` run on results only',
  );

export const PolicyInputSchema = z
  .strictObject({
    server: PolicyServerSchema,
    tools: z.array(PolicyToolSchema).describe('Tools sorted by name'),
    prompts: z.array(PolicyPromptSchema),
    resources: z.array(PolicyResourceSchema),
    templates: z.array(PolicyTemplateSchema),
    drift: z.array(PolicyDriftSchema),
    call: PolicyCallSchema.optional(),
    result: PolicyResultSchema.optional(),
  })
  .describe('capseal policy input: what every CEL rule can read');

export type PolicyInput = z.infer<typeof PolicyInputSchema>;
export type PolicyCall = z.infer<typeof PolicyCallSchema>;
export type PolicyDrift = z.infer<typeof PolicyDriftSchema>;
export type PolicyResult = z.infer<typeof PolicyResultSchema>;

/** The JSON Schema of the policy input (policies/input.schema.json), generated from the zod schema. */
export function renderPolicyInputJsonSchema(): string {
  const schema = z.toJSONSchema(PolicyInputSchema, { target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, $id: 'https://capseal.dev/policy-input.schema.json', title: 'capseal policy input' }, null, 2)}\n`;
}

const SKIP_SCHEMA_KEYS = new Set(['type', '$schema', '$ref', '$id', 'format', 'required']);

/** Every property name and string value nested in a JSON value (a schema, call arguments), depth-bounded. */
export function collectStrings(
  value: unknown,
  out: string[] = [],
  depth = 0,
  skipKeys = SKIP_SCHEMA_KEYS,
): string[] {
  if (depth > 64) return out;
  if (typeof value === 'string') {
    if (value !== '') out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectStrings(v, out, depth + 1, skipKeys);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (skipKeys.has(k)) continue;
      if (k === 'properties' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
        for (const [prop, sub] of Object.entries(v)) {
          out.push(prop);
          collectStrings(sub, out, depth + 1, skipKeys);
        }
        continue;
      }
      collectStrings(v, out, depth + 1, skipKeys);
    }
  }
  return out;
}

const nonEmpty = (xs: (string | undefined)[]): string[] =>
  xs.filter((x): x is string => x !== undefined && x !== '');

/** What a resource and a resource template share in the policy input (their key aside). */
function resourceFields(r: ServerEntry['resources'][string] | ServerEntry['resourceTemplates'][string]) {
  return {
    name: r.name,
    title: r.title ?? '',
    description: r.description ?? '',
    mimeType: r.mimeType ?? '',
    texts: nonEmpty([r.name, r.title, r.description]),
  };
}

function flattenArtifact(a: ServerEntry['artifact']): PolicyInput['server']['artifact'] {
  const base = {
    name: '',
    version: '',
    integrity: '',
    path: '',
    sha256: '',
    image: '',
    digest: '',
    url: '',
    reason: '',
  };
  switch (a.kind) {
    case 'npm':
      return { ...base, kind: a.kind, name: a.name, version: a.version, integrity: a.integrity };
    case 'file':
      return { ...base, kind: a.kind, path: a.path, sha256: a.sha256 };
    case 'docker':
      return { ...base, kind: a.kind, image: a.image, digest: a.digest ?? '' };
    case 'remote':
      return { ...base, kind: a.kind, url: a.url };
    case 'unresolved':
      return { ...base, kind: a.kind, reason: a.reason };
  }
}

function toDrift(d: Drift): PolicyDrift {
  return {
    kind: d.kind,
    severity: d.severity,
    subject: d.subject,
    key: d.key ?? '',
    path: d.path,
    message: d.message,
  };
}

export interface CallArgs {
  method: string;
  tool?: string;
  uri?: string;
  prompt?: string;
  arguments?: Record<string, unknown>;
}

/** Normalize a call (proxy) into the `call` variable. */
export function buildCall(call: CallArgs): PolicyCall {
  return {
    method: call.method,
    tool: call.tool ?? '',
    uri: call.uri ?? '',
    prompt: call.prompt ?? '',
    arguments: call.arguments ?? {},
  };
}

/**
 * Build the policy input for one locked (or live-normalized) server entry. Pure and deterministic: entries
 * are sorted by key. Drifts are filtered to this server by the caller or here (drift.server === name).
 */
export function buildPolicyInput(args: {
  name: string;
  entry: ServerEntry;
  drifts?: Drift[];
  call?: CallArgs;
  /** Every server of the lockfile (this one included or not): gives `server.peerTools` / `peerPrompts`. */
  servers?: Record<string, Pick<ServerEntry, 'tools' | 'prompts'>>;
}): PolicyInput {
  const { name, entry } = args;
  const src = entry.source;
  const info = entry.server;
  const sorted = <T>(rec: Record<string, T>): [string, T][] =>
    Object.entries(rec).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const input: PolicyInput = {
    server: {
      name,
      info: {
        name: info.name,
        version: info.version,
        title: info.title ?? '',
        protocolVersion: info.protocolVersion,
        capabilities: info.capabilities,
        instructions: info.instructions ?? '',
      },
      transport: src.transport,
      command: src.transport === 'stdio' ? src.command : '',
      args: src.transport === 'stdio' ? src.args : [],
      url: src.transport === 'stdio' ? '' : src.url,
      artifact: flattenArtifact(entry.artifact),
      sandbox: entry.sandbox,
      peerTools: peerNames(args.servers, name, 'tools'),
      peerPrompts: peerNames(args.servers, name, 'prompts'),
    },
    tools: sorted(entry.tools).map(([toolName, t]) => {
      const title = t.title ?? t.annotations?.title ?? '';
      const annotations: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(t.annotations ?? {})) if (v !== undefined) annotations[k] = v;
      return {
        name: toolName,
        title,
        description: t.description ?? '',
        inputSchema: t.inputSchema,
        outputSchema: t.outputSchema ?? {},
        annotations,
        texts: [
          ...nonEmpty([t.title, t.annotations?.title, t.description]),
          ...collectStrings(t.inputSchema),
          ...collectStrings(t.outputSchema ?? {}),
        ],
      };
    }),
    prompts: sorted(entry.prompts).map(([promptName, p]) => {
      const promptArgs = (p.arguments ?? []).map((a) => ({
        name: a.name,
        title: a.title ?? '',
        description: a.description ?? '',
        required: a.required ?? false,
      }));
      return {
        name: promptName,
        title: p.title ?? '',
        description: p.description ?? '',
        arguments: promptArgs,
        texts: nonEmpty([
          p.title,
          p.description,
          ...promptArgs.flatMap((a) => [a.name, a.title, a.description]),
        ]),
      };
    }),
    resources: sorted(entry.resources).map(([uri, r]) => ({ uri, ...resourceFields(r) })),
    templates: sorted(entry.resourceTemplates).map(([uriTemplate, r]) => ({
      uriTemplate,
      ...resourceFields(r),
    })),
    drift: (args.drifts ?? []).filter((d) => d.server === name).map(toDrift),
  };
  if (args.call !== undefined) input.call = buildCall(args.call);
  return input;
}

/** The names of one kind across every server but `self`, sorted and unique. */
function peerNames(
  servers: Record<string, Pick<ServerEntry, 'tools' | 'prompts'>> | undefined,
  self: string,
  kind: 'tools' | 'prompts',
): string[] {
  const names = new Set<string>();
  for (const [server, entry] of Object.entries(servers ?? {}))
    if (server !== self) for (const n of Object.keys(entry[kind])) names.add(n);
  return [...names].sort();
}
