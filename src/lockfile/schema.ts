import { z } from 'zod';

/**
 * The mcp-lock.json format. This file is the single source of truth: the TypeScript types are inferred
 * from it, dist/lockfile.schema.json is generated from it, and every reader validates against it.
 * Objects are strict: capseal writes this file, so any unknown key is a mistake or tampering.
 */

export const LOCKFILE_VERSION = 1 as const;

/** `sha256:` followed by 64 lowercase hex digits, over the RFC 8785 canonical JSON of the entry. */
export const DigestSchema = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" followed by 64 lowercase hex digits')
  .describe('sha256 over the RFC 8785 canonical JSON of the entry without its digest field');

/** A JSON Schema object as a server sent it (kept verbatim so PR diffs show the real text). */
export const JsonSchemaObjectSchema = z
  .record(z.string(), z.unknown())
  .describe('JSON Schema object exactly as the server declared it');

export const ToolAnnotationsSchema = z
  .strictObject({
    title: z.string().optional(),
    readOnlyHint: z.boolean().optional(),
    destructiveHint: z.boolean().optional(),
    idempotentHint: z.boolean().optional(),
    openWorldHint: z.boolean().optional(),
  })
  .describe('MCP tool annotations (hints, not guarantees)');

export const ToolEntrySchema = z
  .strictObject({
    title: z.string().optional().describe('Human-readable title'),
    description: z.string().optional().describe('Description the model reads; a prompt-injection vector'),
    inputSchema: JsonSchemaObjectSchema.describe('JSON Schema of the arguments'),
    outputSchema: JsonSchemaObjectSchema.optional().describe('JSON Schema of structured results'),
    annotations: ToolAnnotationsSchema.optional(),
    digest: DigestSchema,
  })
  .describe('One tool, keyed by its name in `tools`');

export const PromptArgumentSchema = z.strictObject({
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  required: z.boolean().optional(),
});

export const PromptEntrySchema = z
  .strictObject({
    title: z.string().optional(),
    description: z.string().optional(),
    arguments: z
      .array(PromptArgumentSchema)
      .optional()
      .describe('Arguments in the order the server lists them'),
    digest: DigestSchema,
  })
  .describe('One prompt, keyed by its name in `prompts`');

export const ResourceEntrySchema = z
  .strictObject({
    name: z.string(),
    title: z.string().optional(),
    description: z.string().optional(),
    mimeType: z.string().optional(),
    digest: DigestSchema,
  })
  .describe('One resource, keyed by its URI in `resources`');

export const ResourceTemplateEntrySchema = z
  .strictObject({
    name: z.string(),
    title: z.string().optional(),
    description: z.string().optional(),
    mimeType: z.string().optional(),
    digest: DigestSchema,
  })
  .describe('One resource template, keyed by its RFC 6570 URI template in `resourceTemplates`');

export const ServerInfoSchema = z
  .strictObject({
    name: z.string().describe('serverInfo.name from initialize'),
    version: z.string().describe('serverInfo.version from initialize'),
    title: z.string().optional(),
    protocolVersion: z.string().describe('Protocol version negotiated in initialize'),
    capabilities: z.record(z.string(), z.unknown()).describe('Capabilities the server declared'),
    instructions: z.string().optional().describe('Server instructions handed to the model'),
    digest: DigestSchema,
  })
  .describe('What the server said about itself during initialize');

export const StdioSourceSchema = z.strictObject({
  transport: z.literal('stdio'),
  command: z.string(),
  args: z.array(z.string()),
  cwd: z.string().optional().describe('Working directory, when configured (a fresh temp dir otherwise)'),
  env: z.array(z.string()).optional().describe('Names (never values) of variables passed to the server'),
});

export const HttpSourceSchema = z.strictObject({
  transport: z.enum(['streamable-http', 'sse']),
  url: z.string().url(),
  headers: z.array(z.string()).optional().describe('Names (never values) of headers sent'),
});

export const SourceSchema = z
  .discriminatedUnion('transport', [StdioSourceSchema, HttpSourceSchema])
  .describe('How the server is launched or reached');

export const ArtifactSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('npm'),
      name: z.string(),
      version: z.string(),
      integrity: z.string().regex(/^sha512-[A-Za-z0-9+/]+={0,2}$/, 'must be an SRI sha512 string'),
    }),
    z.strictObject({
      kind: z.literal('file'),
      path: z.string(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
    z.strictObject({
      kind: z.literal('docker'),
      image: z.string(),
      digest: z.string().nullable().describe('Image digest, or null when it could not be resolved'),
    }),
    z.strictObject({
      kind: z.literal('remote'),
      url: z.string().describe('A remote server: only the URL is pinned, not the code behind it'),
    }),
    z.strictObject({
      kind: z.literal('unresolved'),
      reason: z.string().describe('Why no artifact hash could be recorded'),
    }),
  ])
  .describe('The artifact the server runs from, and its hash where one could be resolved');

export const SandboxSchema = z
  .strictObject({
    env: z.enum(['allow-list', 'none']).describe('allow-list: only PATH, HOME (temp) and named variables'),
    home: z.enum(['temp', 'inherited']),
    cwd: z.enum(['temp', 'configured', 'inherited']),
    network: z.enum(['denied', 'allowed', 'not-applicable']),
  })
  .describe('Which sandbox protections actually applied when this entry was snapshotted');

export const ClientDeclarationSchema = z
  .strictObject({
    name: z.string(),
    protocolVersion: z.string(),
    capabilities: z.record(z.string(), z.unknown()),
  })
  .describe('What capseal declared as a client; servers may expose different capabilities depending on it');

export const ServerEntrySchema = z
  .strictObject({
    source: SourceSchema,
    artifact: ArtifactSchema,
    sandbox: SandboxSchema,
    client: ClientDeclarationSchema,
    server: ServerInfoSchema,
    tools: z.record(z.string(), ToolEntrySchema).describe('Tools keyed by name'),
    prompts: z.record(z.string(), PromptEntrySchema).describe('Prompts keyed by name'),
    resources: z.record(z.string(), ResourceEntrySchema).describe('Resources keyed by URI'),
    resourceTemplates: z
      .record(z.string(), ResourceTemplateEntrySchema)
      .describe('Templates keyed by URI template'),
  })
  .describe('Everything one server exposed, keyed by its name in `servers`');

export const LockfileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    lockfileVersion: z.literal(LOCKFILE_VERSION),
    servers: z.record(z.string(), ServerEntrySchema).describe('Servers keyed by name'),
  })
  .describe('capseal lockfile: the reviewed capability surface of MCP servers');

export type Lockfile = z.infer<typeof LockfileSchema>;
export type ServerEntry = z.infer<typeof ServerEntrySchema>;
export type ToolEntry = z.infer<typeof ToolEntrySchema>;
export type PromptEntry = z.infer<typeof PromptEntrySchema>;
export type ResourceEntry = z.infer<typeof ResourceEntrySchema>;
export type ResourceTemplateEntry = z.infer<typeof ResourceTemplateEntrySchema>;
export type ServerInfo = z.infer<typeof ServerInfoSchema>;
export type Source = z.infer<typeof SourceSchema>;
export type Artifact = z.infer<typeof ArtifactSchema>;
export type Sandbox = z.infer<typeof SandboxSchema>;
export type ClientDeclaration = z.infer<typeof ClientDeclarationSchema>;

/** The four kinds of listed entries a server exposes, in the order reports use. */
export const ENTRY_KINDS = ['tools', 'prompts', 'resources', 'resourceTemplates'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];
