import { canonicalize, type Surface, sealEntry, sealServerInfo, type ToolEntry } from '../lockfile/index.js';

// Comparing the surfaces two protocol generations show (pure).

/**
 * 2025 vocabulary that 2026-07-28 deleted (tasks moved to the io.modelcontextprotocol/tasks extension):
 * a tool's `execution` and the `tasks` capability. A dual-generation server sends them to 2025 clients
 * only, so they never count towards an era split, and the recorded surface takes them from the 2025
 * generation.
 */
const LEGACY_ONLY_TOOL_FIELDS = ['execution'] as const;
const LEGACY_ONLY_CAPABILITIES = ['tasks'] as const;

function withoutKeys(value: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/**
 * What a client of a generation is shown, with what necessarily differs between generations left out
 * (the protocol version the surface was read with, the 2025-only vocabulary): two surfaces with equal
 * identities show every client the same server.
 */
function surfaceIdentity(surface: Surface): string {
  const { digest: _d, protocolVersion: _p, capabilities, ...info } = surface.server;
  const bodies = (record: Record<string, object>, drop: readonly string[] = []) =>
    Object.fromEntries(
      Object.entries(record).map(([k, v]) => [
        k,
        withoutKeys(v as Record<string, unknown>, ['digest', ...drop]),
      ]),
    );
  return canonicalize({
    info,
    capabilities: withoutKeys(capabilities, LEGACY_ONLY_CAPABILITIES),
    tools: bodies(surface.tools, LEGACY_ONLY_TOOL_FIELDS),
    prompts: bodies(surface.prompts),
    resources: bodies(surface.resources),
    resourceTemplates: bodies(surface.resourceTemplates),
  });
}

/** True when the two generations show clients different surfaces (an era split). Pure. */
export function surfacesDiffer(a: Surface, b: Surface): boolean {
  return surfaceIdentity(a) !== surfaceIdentity(b);
}

/**
 * The modern surface with the 2025-only vocabulary of the legacy one folded in (tool `execution`, the
 * `tasks` capability), re-sealed: the one surface recorded for a server whose generations agree.
 */
export function withLegacyVocabulary(modern: Surface, legacy: Surface): Surface {
  const tools: Record<string, ToolEntry> = {};
  for (const [key, tool] of Object.entries(modern.tools)) {
    const old = Object.hasOwn(legacy.tools, key) ? legacy.tools[key] : undefined;
    if (old?.execution === undefined || tool.execution !== undefined) tools[key] = tool;
    else {
      const { digest: _d, ...body } = tool;
      tools[key] = sealEntry('tools', key, { ...body, execution: old.execution }) as ToolEntry;
    }
  }
  let server = modern.server;
  const legacyCaps = legacy.server.capabilities;
  const extra = LEGACY_ONLY_CAPABILITIES.filter(
    (k) => legacyCaps[k] !== undefined && server.capabilities[k] === undefined,
  );
  if (extra.length > 0) {
    const { digest: _d, ...info } = server;
    const capabilities = { ...info.capabilities };
    for (const k of extra) capabilities[k] = legacyCaps[k];
    server = sealServerInfo({ ...info, capabilities });
  }
  return { ...modern, server, tools: Object.fromEntries(Object.entries(tools)) };
}
