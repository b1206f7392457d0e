import { z } from 'zod';

/**
 * The mcp-lock.json format. This file is the single source of truth: the TypeScript types are inferred
 * from it, dist/lockfile.schema.json is generated from it, and every reader validates against it.
 * Objects are strict: capseal writes this file, so any unknown key is a mistake or tampering.
 *
 * Two versions are read: 1 (one surface, taken through the 2025 `initialize` handshake) and 2 (what
 * capseal writes: the surface of every protocol generation the server offers, plus the fields hosts act
 * on: `_meta`, `icons`, `execution`). A version-1 file is validated against the version-1 schema exactly
 * as before, so its bytes, digests and signatures stay valid. docs/lockfile.md describes both.
 */

/** The version `capseal lock` writes. */
export const LOCKFILE_VERSION = 2 as const;
/** Every version capseal reads. */
export const LOCKFILE_VERSIONS = [1, 2] as const;
export type LockfileVersion = (typeof LOCKFILE_VERSIONS)[number];

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

export const ToolEntryV1Schema = z
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

export const PromptEntryV1Schema = z
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

export const ResourceEntryV1Schema = z
  .strictObject({
    name: z.string(),
    title: z.string().optional(),
    description: z.string().optional(),
    mimeType: z.string().optional(),
    digest: DigestSchema,
  })
  .describe('One resource, keyed by its URI in `resources`');

export const ResourceTemplateEntryV1Schema = z
  .strictObject({
    name: z.string(),
    title: z.string().optional(),
    description: z.string().optional(),
    mimeType: z.string().optional(),
    digest: DigestSchema,
  })
  .describe('One resource template, keyed by its RFC 6570 URI template in `resourceTemplates`');

export const ServerInfoV1Schema = z
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

const StdioSourceV1Schema = z.strictObject({
  transport: z.literal('stdio'),
  command: z.string(),
  args: z.array(z.string()),
  cwd: z.string().optional().describe('Working directory, when configured (a fresh temp dir otherwise)'),
  env: z.array(z.string()).optional().describe('Names (never values) of variables passed to the server'),
});

const GlobSchema = z.string().min(1, 'must be a non-empty glob');

/**
 * The launches the proxy accepts besides the locked one, written only when `capseal lock --launch-pattern`
 * asked for it. It is part of the lockfile (signed with it), so a pull request that adds or widens it is
 * critical drift (`server.launch-pattern.changed`), never a silent exemption.
 */
export const LaunchPatternSchema = z
  .strictObject({
    args: z
      .record(z.string().regex(/^[1-9][0-9]*$/, 'must be an argument position: 1, 2, …'), GlobSchema)
      .optional()
      .describe(
        'Globs by argument position (1 is the first argument after the command, as $1 in a shell): the ' +
          'argument there may match its glob instead of the locked value; every other argument stays ' +
          'exact, and the number of arguments too',
      ),
    cwd: GlobSchema.optional().describe(
      'A picomatch glob the resolved working directory may match instead of the locked `cwd`',
    ),
  })
  .describe('Launch lines the proxy accepts besides the locked one (the command and env names stay exact)');

export const StdioSourceSchema = StdioSourceV1Schema.extend({
  launchPattern: LaunchPatternSchema.optional(),
});

export const HttpSourceSchema = z.strictObject({
  transport: z.enum(['streamable-http', 'sse']),
  url: z.string().url(),
  headers: z.array(z.string()).optional().describe('Names (never values) of headers sent'),
});

export const SourceSchema = z
  .discriminatedUnion('transport', [StdioSourceSchema, HttpSourceSchema])
  .describe('How the server is launched or reached');

/** Version 1 knows no launch pattern: such a lockfile is written as version 2. */
const SourceV1Schema = z
  .discriminatedUnion('transport', [StdioSourceV1Schema, HttpSourceSchema])
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

export const ServerEntryV1Schema = z
  .strictObject({
    source: SourceV1Schema,
    artifact: ArtifactSchema,
    sandbox: SandboxSchema,
    client: ClientDeclarationSchema,
    server: ServerInfoV1Schema,
    tools: z.record(z.string(), ToolEntryV1Schema).describe('Tools keyed by name'),
    prompts: z.record(z.string(), PromptEntryV1Schema).describe('Prompts keyed by name'),
    resources: z.record(z.string(), ResourceEntryV1Schema).describe('Resources keyed by URI'),
    resourceTemplates: z
      .record(z.string(), ResourceTemplateEntryV1Schema)
      .describe('Templates keyed by URI template'),
  })
  .describe('Everything one server exposed through initialize, keyed by its name in `servers`');

// ---- version 2 ----

export const IconSchema = z
  .strictObject({
    src: z.string().describe('URI of the icon (https: or data:) exactly as the server sent it'),
    mimeType: z.string().optional(),
    sizes: z.array(z.string()).optional(),
    theme: z.string().optional().describe('"light" or "dark" per the spec; kept as sent'),
  })
  .describe('One icon a host may display next to the entry');

const IconsField = z.array(IconSchema).optional().describe('Icons a host displays (in the server order)');

export const MetaSchema = z
  .record(z.string(), z.unknown())
  .describe(
    '`_meta` exactly as the server sent it, minus the volatile keys (ttlMs, cacheScope, traceparent, ' +
      'tracestate, baggage). Hosts act on it: MCP Apps reads `ui.resourceUri`, `ui.csp`, `ui.permissions`.',
  );

export const ToolExecutionSchema = z
  .strictObject({
    taskSupport: z
      .string()
      .optional()
      .describe('"required", "optional" or "forbidden" per the spec; kept as sent'),
  })
  .describe('How the tool may be run (task support)');

export const ToolEntrySchema = ToolEntryV1Schema.extend({
  execution: ToolExecutionSchema.optional(),
  icons: IconsField,
  _meta: MetaSchema.optional(),
  digest: DigestSchema,
}).describe('One tool, keyed by its name in `tools`');

export const PromptEntrySchema = PromptEntryV1Schema.extend({
  icons: IconsField,
  _meta: MetaSchema.optional(),
  digest: DigestSchema,
}).describe('One prompt, keyed by its name in `prompts`');

export const ResourceEntrySchema = ResourceEntryV1Schema.extend({
  icons: IconsField,
  _meta: MetaSchema.optional(),
  digest: DigestSchema,
}).describe('One resource, keyed by its URI in `resources`');

export const ResourceTemplateEntrySchema = ResourceTemplateEntryV1Schema.extend({
  icons: IconsField,
  _meta: MetaSchema.optional(),
  digest: DigestSchema,
}).describe('One resource template, keyed by its RFC 6570 URI template in `resourceTemplates`');

export const ServerInfoSchema = z
  .strictObject({
    name: z.string().describe('serverInfo.name (initialize, or the discover result `_meta`)'),
    version: z.string().describe('serverInfo.version'),
    title: z.string().optional(),
    icons: IconsField,
    protocolVersion: z
      .string()
      .describe('The protocol version this surface was read with (negotiated in initialize, or pinned)'),
    capabilities: z
      .record(z.string(), z.unknown())
      .describe('Capabilities the server declared, `extensions` included'),
    instructions: z.string().optional().describe('Server instructions handed to the model'),
    digest: DigestSchema,
  })
  .describe('What the server said about itself (initialize result or server/discover result)');

export const GenerationsSchema = z
  .strictObject({
    modern: z
      .strictObject({
        supportedVersions: z
          .array(z.string())
          .describe('`supportedVersions` of the server/discover result, as the server listed them'),
      })
      .optional()
      .describe('The server answered server/discover (the 2026-07-28 generation)'),
    legacy: z
      .strictObject({
        protocolVersion: z.string().describe('The version negotiated in initialize'),
      })
      .optional()
      .describe('The server answered initialize (the 2025 generation)'),
  })
  .describe('Which protocol generations the server offered when it was locked');

export const SurfaceSchema = z
  .strictObject({
    server: ServerInfoSchema,
    tools: z.record(z.string(), ToolEntrySchema),
    prompts: z.record(z.string(), PromptEntrySchema),
    resources: z.record(z.string(), ResourceEntrySchema),
    resourceTemplates: z.record(z.string(), ResourceTemplateEntrySchema),
  })
  .describe("One generation's whole surface");

export const ServerEntrySchema = z
  .strictObject({
    source: SourceSchema,
    artifact: ArtifactSchema,
    sandbox: SandboxSchema,
    client: ClientDeclarationSchema,
    generations: GenerationsSchema.optional().describe(
      'Always written by version 2; absent (a version-1 entry) means the 2025 generation only',
    ),
    server: ServerInfoSchema,
    tools: z.record(z.string(), ToolEntrySchema).describe('Tools keyed by name'),
    prompts: z.record(z.string(), PromptEntrySchema).describe('Prompts keyed by name'),
    resources: z.record(z.string(), ResourceEntrySchema).describe('Resources keyed by URI'),
    resourceTemplates: z
      .record(z.string(), ResourceTemplateEntrySchema)
      .describe('Templates keyed by URI template'),
    eras: z
      .strictObject({ legacy: SurfaceSchema })
      .optional()
      .describe(
        'Only for a server whose generations disagree (era split): the surface 2025 clients get, when ' +
          'it differs from the one above (which is what 2026-07-28 clients get). Always critical drift.',
      ),
  })
  .describe(
    'Everything one server exposed, keyed by its name in `servers`: the surface of the newest generation ' +
      'it offers (2026-07-28 when it answers server/discover, else 2025)',
  );

const LockfileV1Schema = z
  .strictObject({
    $schema: z.string().optional(),
    lockfileVersion: z.literal(1),
    servers: z.record(z.string(), ServerEntryV1Schema).describe('Servers keyed by name'),
  })
  .describe('capseal lockfile version 1 (read, diffed and verified; no longer written)');

const LockfileV2Schema = z
  .strictObject({
    $schema: z.string().optional(),
    lockfileVersion: z.literal(2),
    servers: z.record(z.string(), ServerEntrySchema).describe('Servers keyed by name'),
  })
  .describe('capseal lockfile version 2');

export const LockfileSchema = z
  .discriminatedUnion('lockfileVersion', [LockfileV2Schema, LockfileV1Schema])
  .describe('capseal lockfile: the reviewed capability surface of MCP servers');

export type ServerEntry = z.infer<typeof ServerEntrySchema>;
/**
 * A parsed lockfile of either version. A version-1 entry is a version-2 entry without the optional
 * version-2 fields, so consumers handle one entry type.
 */
export interface Lockfile {
  $schema?: string | undefined;
  lockfileVersion: LockfileVersion;
  servers: Record<string, ServerEntry>;
}
export type ToolEntry = z.infer<typeof ToolEntrySchema>;
export type PromptEntry = z.infer<typeof PromptEntrySchema>;
export type ResourceEntry = z.infer<typeof ResourceEntrySchema>;
export type ResourceTemplateEntry = z.infer<typeof ResourceTemplateEntrySchema>;
export type ServerInfo = z.infer<typeof ServerInfoSchema>;
export type Generations = z.infer<typeof GenerationsSchema>;
export type Surface = z.infer<typeof SurfaceSchema>;
export type Icon = z.infer<typeof IconSchema>;
export type Source = z.infer<typeof SourceSchema>;
export type LaunchPattern = z.infer<typeof LaunchPatternSchema>;
export type Artifact = z.infer<typeof ArtifactSchema>;
export type Sandbox = z.infer<typeof SandboxSchema>;
export type ClientDeclaration = z.infer<typeof ClientDeclarationSchema>;

/** The four kinds of listed entries a server exposes, in the order reports use. */
export const ENTRY_KINDS = ['tools', 'prompts', 'resources', 'resourceTemplates'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];
