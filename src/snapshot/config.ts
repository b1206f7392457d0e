import { z } from 'zod';
import { compareKeys } from '../lockfile/serialize.js';
import { CapsealError } from '../shared/errors.js';
import { fileDepthLimit } from '../shared/json-limits.js';
import { parseJsonText, validateWith } from '../shared/validate.js';
import type { ServerSpec } from './types.js';

const StringRecord = z.record(z.string(), z.string());

// Lenient about keys other tools add (disabled, autoApprove, timeout, …); strict about what we use.
const EntrySchema = z
  .looseObject({
    type: z.enum(['stdio', 'http', 'streamable-http', 'streamableHttp', 'sse']).optional(),
    command: z.string().min(1, 'must not be empty').optional(),
    args: z.array(z.string()).optional(),
    env: StringRecord.optional(),
    cwd: z.string().min(1).optional(),
    url: z.url().optional(),
    headers: StringRecord.optional(),
  })
  .superRefine((entry, ctx) => {
    const remote = entry.type !== undefined && entry.type !== 'stdio';
    if (entry.command !== undefined && entry.url !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'has both "command" and "url"; give one' });
    } else if (entry.command === undefined && entry.url === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs "command" (stdio) or "url" (http/sse)' });
    } else if (remote && entry.url === undefined) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: `type "${entry.type}" needs a "url"` });
    } else if (entry.type === 'stdio' && entry.command === undefined) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'type "stdio" needs a "command"' });
    }
    if (entry.url !== undefined && !/^https?:/i.test(entry.url)) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'must be an http(s) URL' });
    }
  });

const ConfigSchema = z
  .looseObject({
    mcpServers: z.record(z.string().min(1, 'server name must not be empty'), EntrySchema).optional(),
    servers: z.record(z.string().min(1, 'server name must not be empty'), EntrySchema).optional(),
  })
  .superRefine((config, ctx) => {
    if (config.mcpServers === undefined && config.servers === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['mcpServers'],
        message: 'missing (expected an object of servers)',
      });
    }
  });

/**
 * Parse a standard MCP client config (`.mcp.json`, `claude_desktop_config.json`: `{ "mcpServers": { name:
 * { command, args, env, cwd } | { type, url, headers } } }`; VS Code's `servers` key too) into specs sorted
 * by name. Values are taken literally (no `${VAR}` expansion). Every problem is reported, by path, as one
 * INVALID_INPUT error (exit 2). Pure: the caller reads the file and sets `baseDir` on stdio specs.
 */
export function parseMcpConfig(text: string, origin = 'config', maxJsonDepth?: number): ServerSpec[] {
  const raw = parseJsonText(text, origin, fileDepthLimit(maxJsonDepth));
  const config = validateWith(ConfigSchema, raw, origin, 'a valid mcpServers config');
  const all = { ...(config.servers ?? {}), ...(config.mcpServers ?? {}) };
  const names = Object.keys(all).sort(compareKeys);
  if (names.length === 0) {
    throw new CapsealError('INVALID_INPUT', `${origin} lists no servers`, {
      details: ['mcpServers: expected at least one server'],
    });
  }
  return names.map((name): ServerSpec => {
    const e = all[name] as z.infer<typeof EntrySchema>;
    if (e.url !== undefined) {
      return {
        name,
        transport: e.type === 'sse' ? 'sse' : 'streamable-http',
        url: e.url,
        ...(e.headers === undefined ? {} : { headers: e.headers }),
      };
    }
    return {
      name,
      transport: 'stdio',
      command: e.command as string,
      args: e.args ?? [],
      ...(e.env === undefined ? {} : { env: e.env }),
      ...(e.cwd === undefined ? {} : { cwd: e.cwd }),
    };
  });
}
