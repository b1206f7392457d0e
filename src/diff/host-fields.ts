import type { ToolEntry } from '../lockfile/index.js';
import { type Emit, quote, same, structuralDetails, verbatim } from './compare.js';

// The version-2 fields hosts act on: `_meta` (MCP Apps `ui` on its own), icons, task support and the
// `x-mcp-header` annotations of input schemas.

type HostFields = { _meta?: Record<string, unknown>; icons?: unknown[] };

/** Is a `_meta` key MCP Apps UI metadata (`ui`, or the flat `ui/resourceUri` form)? */
const isUiKey = (key: string): boolean => key === 'ui' || key.startsWith('ui/');

function pickMeta(meta: Record<string, unknown> | undefined, ui: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta ?? {})) if (isUiKey(k) === ui) out[k] = v;
  return out;
}

/** `_meta` (MCP Apps `ui` on its own, critical) and `icons` of any entry kind. */
export function diffHostFields(
  prefix: string,
  word: string,
  key: string,
  at: (...rest: PropertyKey[]) => PropertyKey[],
  b: HostFields,
  h: HostFields,
  emit: Emit,
): void {
  const bu = pickMeta(b._meta, true);
  const hu = pickMeta(h._meta, true);
  if (!same(bu, hu)) {
    emit(`${prefix}.meta.ui.changed`, at('_meta'), `MCP Apps UI metadata of ${word} ${quote(key)} changed`, {
      key,
      before: b._meta,
      after: h._meta,
      details: structuralDetails(bu, hu),
    });
  }
  const bo = pickMeta(b._meta, false);
  const ho = pickMeta(h._meta, false);
  if (!same(bo, ho)) {
    emit(`${prefix}.meta.changed`, at('_meta'), `_meta of ${word} ${quote(key)} changed`, {
      key,
      before: b._meta,
      after: h._meta,
      details: structuralDetails(bo, ho),
    });
  }
  if (!same(b.icons, h.icons)) {
    emit(`${prefix}.icons.changed`, at('icons'), `icons of ${word} ${quote(key)} changed`, {
      key,
      before: b.icons,
      after: h.icons,
      details: structuralDetails(b.icons ?? [], h.icons ?? []),
    });
  }
}

/**
 * Every `x-mcp-header` annotation in a JSON Schema, by the path of the property that carries it (nested
 * properties, items and combinators included): a client mirrors that argument into `Mcp-Param-<value>`.
 */
function mcpHeaders(schema: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (schema === null || typeof schema !== 'object') return out;
  if (Array.isArray(schema)) {
    schema.forEach((s, i) => {
      mcpHeaders(s, `${path}[${i}]`, out);
    });
    return out;
  }
  const record = schema as Record<string, unknown>;
  if (Object.hasOwn(record, 'x-mcp-header'))
    out.set(path === '' ? '(root)' : path, verbatim(record['x-mcp-header']));
  for (const [k, v] of Object.entries(record)) {
    if (k !== 'x-mcp-header') mcpHeaders(v, path === '' ? k : `${path}.${k}`, out);
  }
  return out;
}

/** Header mirroring, task support, `_meta` and icons of a tool. */
export function diffToolHostFields(
  key: string,
  at: (...rest: PropertyKey[]) => PropertyKey[],
  b: ToolEntry,
  h: ToolEntry,
  emit: Emit,
): void {
  const bh = mcpHeaders(b.inputSchema);
  const hh = mcpHeaders(h.inputSchema);
  const headerChanges = [...hh]
    .filter(([path, value]) => bh.get(path) !== value)
    .map(([path, value]) =>
      bh.has(path)
        ? `${path}: x-mcp-header ${bh.get(path)} → ${value}`
        : `${path}: new x-mcp-header ${value}`,
    );
  if (headerChanges.length > 0) {
    emit(
      'tool.input-schema.header.changed',
      at('inputSchema'),
      `input schema of tool ${quote(key)} mirrors arguments into new or changed HTTP headers: ${headerChanges.join('; ')}`,
      { key, before: Object.fromEntries(bh), after: Object.fromEntries(hh), details: headerChanges },
    );
  }

  if (!same(b.execution, h.execution)) {
    emit(
      'tool.execution.changed',
      at('execution'),
      `task support of tool ${quote(key)} ${b.execution?.taskSupport ?? '(none)'} → ${h.execution?.taskSupport ?? '(none)'}`,
      { key, before: b.execution, after: h.execution },
    );
  }
  diffHostFields('tool', 'tool', key, at, b, h, emit);
}
