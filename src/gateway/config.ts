import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PROXY_MODES } from '../proxy/index.js';
import { formatPath } from '../shared/index.js';
import { storeConfigSchema } from './store/index.js';

/** The characters the spec allows in a tool or prompt name; the namespace separator is made of them. */
export const NAME_CHARS = /^[A-Za-z0-9_.-]+$/;
/** Longest exposed name (upstream + separator + name), as the spec's name rules allow. */
export const MAX_NAME_LENGTH = 128;

const Glob = z
  .string()
  .min(1)
  .describe('A picomatch glob over the upstream tool name (not the exposed one).');

const ToolFilterSchema = z
  .strictObject({
    allow: z
      .array(Glob)
      .optional()
      .describe('Only tools matching one of these are listed and callable (all when absent).'),
    deny: z.array(Glob).optional().describe('Tools matching one of these are neither listed nor callable.'),
  })
  .describe('Tool filtering on top of the lock, evaluated before the lock check.');

const UpstreamSchema = z
  .strictObject({
    server: z
      .string()
      .min(1)
      .optional()
      .describe('The lockfile entry this upstream is; defaults to the upstream name.'),
    command: z
      .array(z.string())
      .min(1)
      .optional()
      .describe('Launch this stdio command instead of the locked one (as `capseal proxy -- CMD`).'),
    url: z.string().url().optional().describe('Reach the server at this URL (must equal the locked URL).'),
    transport: z.enum(['streamable-http', 'sse']).optional().describe('The HTTP transport for `url`.'),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        'HTTP header values (the lockfile records only their names); a value `env:NAME` reads variable NAME.',
      ),
    env: z
      .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/))
      .optional()
      .describe('Variables passed through to a stdio server, by name.'),
    tools: ToolFilterSchema.optional(),
    required: z
      .boolean()
      .default(true)
      .describe('Whether /readyz waits for this upstream to be verified and up.'),
    unprefixed: z
      .boolean()
      .default(false)
      .describe(
        "Expose this upstream under its own names, without the prefix (at most one upstream; for clients that call fixed names). Prefixed names of the other upstreams always win: a locked name of this upstream that equals or routes to another upstream's exposed name is a start-up error.",
      ),
  })
  .describe('One locked server behind the gateway.');

const UpstreamName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'upstream names use only [A-Za-z0-9_-]');

/**
 * capseal.gateway.yaml: one Streamable HTTP endpoint in front of the locked servers of one lockfile. The
 * single source of truth for the format (its JSON Schema is generated from it).
 */
export const GatewayConfigSchema = z
  .strictObject({
    gatewayVersion: z.literal(1).describe('The config format version.'),
    listen: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1').describe('Bind address.'),
        port: z.number().int().min(0).max(65_535).default(8080).describe('Port (0 picks a free one).'),
        path: z.string().startsWith('/').default('/mcp').describe('The MCP endpoint path.'),
        tokenFile: z
          .string()
          .optional()
          .describe('When set, every /mcp request must carry `Authorization: Bearer <first line>`.'),
        allowHosts: z
          .array(z.string().min(1))
          .default([])
          .describe('Host header names accepted besides the bound address (required on a wildcard bind).'),
      })
      .prefault({})
      .describe('Where the gateway listens.'),
    lockfile: z.string().min(1).describe('The lockfile (relative to this file) every upstream comes from.'),
    signature: z
      .strictObject({
        require: z.boolean().default(false),
        publicKey: z.string().optional().describe('Ed25519 public key; LOCK.sig must verify.'),
      })
      .prefault({})
      .describe('What the lockfile must be signed with.'),
    mode: z.enum(PROXY_MODES).default('enforce').describe('As `capseal proxy --mode`.'),
    separator: z
      .string()
      .min(1)
      .max(8)
      .regex(NAME_CHARS, 'the separator uses only [A-Za-z0-9_.-]')
      .default('__')
      .describe('Between the upstream name and an entry name: `fs__read_file`.'),
    pageSize: z.number().int().min(1).max(10_000).default(100).describe('Entries per merged list page.'),
    policies: z.array(z.string().min(1)).default([]).describe('Call-time policy packs, for every upstream.'),
    sandbox: z
      .strictObject({
        mode: z.enum(['strict', 'auto', 'off']).default('auto'),
        network: z
          .enum(['deny', 'allow'])
          .optional()
          .describe('Default: what the lockfile recorded per server.'),
      })
      .prefault({}),
    restart: z
      .strictObject({
        initialMs: z.number().int().min(10).default(250),
        maxMs: z.number().int().min(10).default(30_000),
      })
      .prefault({})
      .describe('Backoff for supervised stdio upstreams (doubling from initialMs up to maxMs).'),
    sessions: z
      .strictObject({
        idleMs: z
          .number()
          .int()
          .min(0)
          .default(1_800_000)
          .describe(
            'A 2025 session that receives no request for this long, with none of its requests still being answered, is closed (its in-flight upstream requests cancelled); its Mcp-Session-Id then gets 404 and the client must initialize again. 0: never.',
          ),
      })
      .prefault({})
      .describe('Legacy (2025, Mcp-Session-Id) sessions.'),
    auditLog: z.string().optional().describe('JSON Lines audit file; records carry the upstream name.'),
    store: storeConfigSchema
      .default({ kind: 'memory' })
      .describe('Shared state: memory (one process) or redis (replicas behind a load balancer).'),
    upstreams: z
      .record(UpstreamName, UpstreamSchema)
      .refine((u) => Object.keys(u).length > 0, 'at least one upstream is required'),
  })
  .describe('capseal gateway configuration');

export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;
export type UpstreamConfig = GatewayConfig['upstreams'][string];

export type ParsedGatewayConfig = { ok: true; config: GatewayConfig } | { ok: false; problems: string[] };

/**
 * Parse capseal.gateway.yaml text: YAML, then the schema, then the cross-field rules (an upstream is one of
 * command, url, or the lock's own source; exposed names fit 1–128 characters). Every problem is reported
 * as `path: message`, not just the first. Pure.
 */
export function parseGatewayConfig(text: string): ParsedGatewayConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, problems: [`(root): not valid YAML: ${(error as Error).message}`] };
  }
  const parsed = GatewayConfigSchema.safeParse(raw ?? {});
  if (!parsed.success)
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`),
    };
  const problems = crossFieldProblems(parsed.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config: parsed.data };
}

/** The one upstream exposed under its own names (`unprefixed: true`), if any. Pure. */
export function unprefixedUpstream(config: GatewayConfig): string | undefined {
  return Object.entries(config.upstreams).find(([, u]) => u.unprefixed)?.[0];
}

function crossFieldProblems(config: GatewayConfig): string[] {
  const problems: string[] = [];
  const unprefixed = Object.entries(config.upstreams).filter(([, u]) => u.unprefixed);
  for (const [name] of unprefixed.slice(1))
    problems.push(
      `${formatPath(['upstreams', name, 'unprefixed'])}: at most one upstream may be unprefixed (${unprefixed[0]?.[0]} already is)`,
    );
  for (const [name, u] of Object.entries(config.upstreams)) {
    const at = (field: string) => formatPath(['upstreams', name, field]);
    if (u.command !== undefined && u.url !== undefined)
      problems.push(`${at('url')}: give either command or url, not both`);
    if (u.url === undefined && (u.headers !== undefined || u.transport !== undefined))
      problems.push(`${at('headers')}: headers and transport apply to an upstream reached by url`);
    if (u.url !== undefined && u.env !== undefined)
      problems.push(`${at('env')}: env applies to a stdio upstream`);
    if (!u.unprefixed && name.length + config.separator.length >= MAX_NAME_LENGTH)
      problems.push(
        `${formatPath(['upstreams', name])}: the prefix leaves no room for names within ${MAX_NAME_LENGTH} characters`,
      );
  }
  if (
    (config.listen.host === '0.0.0.0' || config.listen.host === '::') &&
    config.listen.allowHosts.length === 0
  )
    problems.push('listen.allowHosts: a wildcard bind needs the Host names clients use');
  return problems;
}

/** The JSON Schema of capseal.gateway.yaml, generated from the zod schema. */
export function renderGatewayJsonSchema(): string {
  const schema = z.toJSONSchema(GatewayConfigSchema, { target: 'draft-2020-12', io: 'input' });
  return `${JSON.stringify({ ...schema, $id: 'https://capseal.dev/gateway.schema.json', title: 'capseal gateway configuration' }, null, 2)}\n`;
}
