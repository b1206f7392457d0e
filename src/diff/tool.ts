import type { ToolEntry } from '../lockfile/index.js';
import { type Emit, emitText, quote, same, structuralDetails, verbatim } from './compare.js';
import { diffToolHostFields } from './host-fields.js';
import { compareSchemas } from './schema-change.js';
import { modelVisibleStringChanges } from './schema-text.js';

// MCP defaults for absent hints (spec: ToolAnnotations), and which value is the dangerous one.
const HINTS = [
  { hint: 'readOnlyHint', absent: false, danger: false },
  { hint: 'destructiveHint', absent: true, danger: true },
  { hint: 'idempotentHint', absent: false, danger: false },
  { hint: 'openWorldHint', absent: true, danger: true },
] as const;

/** Every change between two versions of one tool whose digests differ. */
export function diffTool(key: string, b: ToolEntry, h: ToolEntry, emit: Emit): void {
  const at = (...rest: PropertyKey[]) => ['tools', key, ...rest];
  emitText(emit, 'tool', 'title', key, at('title'), b.title, h.title, 'tool');
  if (b.annotations?.title !== h.annotations?.title) {
    emitText(
      emit,
      'tool',
      'title',
      key,
      at('annotations', 'title'),
      b.annotations?.title,
      h.annotations?.title,
      'tool',
    );
  }
  emitText(emit, 'tool', 'description', key, at('description'), b.description, h.description, 'tool');

  if (same(b.inputSchema, h.inputSchema)) {
    if (verbatim(b.inputSchema) !== verbatim(h.inputSchema)) {
      emit('tool.input-schema.reordered', at('inputSchema'), `input schema of tool ${quote(key)} reordered`, {
        key,
        before: b.inputSchema,
        after: h.inputSchema,
      });
    }
  } else {
    const change = compareSchemas('inputSchema', b.inputSchema, h.inputSchema);
    const extra = { key, before: b.inputSchema, after: h.inputSchema };
    const groups = [
      ['tool.input-schema.broadened', change.broadened, 'broadened'],
      ['tool.input-schema.narrowed', change.narrowed, 'narrowed'],
      ['tool.input-schema.text.changed', change.text, 'text changed'],
      ['tool.input-schema.changed', change.other, 'changed'],
    ] as const;
    for (const [kind, details, verb] of groups) {
      if (details.length === 0) continue;
      emit(kind, at('inputSchema'), `input schema of tool ${quote(key)} ${verb}: ${details.join('; ')}`, {
        ...extra,
        details: [...details],
      });
    }
  }

  if (!same(b.outputSchema, h.outputSchema)) {
    const extra = { key, before: b.outputSchema, after: h.outputSchema };
    // Every string of the output schema is model-visible text too, property names included.
    const change = compareSchemas('outputSchema', b.outputSchema ?? {}, h.outputSchema ?? {});
    const text =
      change.text.length > 0
        ? change.text
        : modelVisibleStringChanges('outputSchema', b.outputSchema ?? {}, h.outputSchema ?? {});
    if (text.length > 0) {
      emit(
        'tool.output-schema.text.changed',
        at('outputSchema'),
        `output schema of tool ${quote(key)} text changed: ${text.join('; ')}`,
        { ...extra, details: text },
      );
    }
    if (change.broadened.length + change.narrowed.length + change.other.length > 0 || text.length === 0) {
      emit('tool.output-schema.changed', at('outputSchema'), `output schema of tool ${quote(key)} changed`, {
        ...extra,
        details: structuralDetails(b.outputSchema, h.outputSchema),
      });
    }
  } else if (verbatim(b.outputSchema) !== verbatim(h.outputSchema)) {
    emit(
      'tool.output-schema.reordered',
      at('outputSchema'),
      `output schema of tool ${quote(key)} reordered`,
      {
        key,
        before: b.outputSchema,
        after: h.outputSchema,
      },
    );
  }

  for (const { hint, absent, danger } of HINTS) {
    const before = b.annotations?.[hint] ?? absent;
    const after = h.annotations?.[hint] ?? absent;
    if (before === after) continue;
    const dangerous = after === danger;
    emit(
      dangerous ? 'tool.annotation.dangerous' : 'tool.annotation.safer',
      at('annotations', hint),
      `tool ${quote(key)} ${hint} ${before} → ${after}${dangerous ? ' (towards danger)' : ' (towards safety)'}`,
      { key, before: b.annotations?.[hint], after: h.annotations?.[hint] },
    );
  }
  diffToolHostFields(key, at, b, h, emit);
}

/** Key-order-only changes of a tool whose digest (canonical body) did not change. */
export function diffToolOrder(key: string, b: ToolEntry, h: ToolEntry, emit: Emit): void {
  for (const [field, name] of [
    ['inputSchema', 'input'],
    ['outputSchema', 'output'],
  ] as const) {
    if (verbatim(b[field]) === verbatim(h[field])) continue;
    emit(
      `tool.${name}-schema.reordered`,
      ['tools', key, field],
      `${name} schema of tool ${quote(key)} reordered`,
      {
        key,
        before: b[field],
        after: h[field],
      },
    );
  }
}
