import {
  compareKeys,
  ENTRY_KINDS,
  type EntryKind,
  formatPath,
  type Lockfile,
  type PromptEntry,
  type ResourceEntry,
  type ServerEntry,
  type ToolEntry,
} from '../lockfile/index.js';
import {
  canon,
  compareText,
  type Emit,
  own,
  quote,
  same,
  structuralDetails,
  verbatim,
  withoutDigest,
} from './compare.js';
import { confusableReasons, skeleton } from './confusable.js';
import { diffHostFields, diffToolHostFields } from './host-fields.js';
import { kindInfo, SUBJECT_PREFIX } from './kinds.js';
import { compareSchemas } from './schema-change.js';
import { modelVisibleStringChanges } from './schema-text.js';
import {
  describeSource,
  diffCapseal,
  diffGenerations,
  diffInfo,
  diffLaunch,
  legacySurfaceOf,
  type SurfaceLike,
} from './server-level.js';
import type { Drift, DriftSubject } from './types.js';

type EntrySubject = Exclude<DriftSubject, 'server'>;

const SUBJECT_OF: Record<EntryKind, EntrySubject> = {
  tools: 'tool',
  prompts: 'prompt',
  resources: 'resource',
  resourceTemplates: 'resourceTemplate',
};

const WORD: Record<EntrySubject, string> = {
  tool: 'tool',
  prompt: 'prompt',
  resource: 'resource',
  resourceTemplate: 'resource template',
};

function emitText(
  emit: Emit,
  prefix: string,
  field: 'description' | 'title',
  key: string,
  path: readonly PropertyKey[],
  before: string | undefined,
  after: string | undefined,
  word: string,
): void {
  const change = compareText(before, after);
  if (change === 'same') return;
  const kind = `${prefix}.${field}.${change === 'cosmetic' ? 'cosmetic' : 'changed'}`;
  const message =
    change === 'cosmetic'
      ? `${field} of ${word} ${quote(key)} changed in whitespace only`
      : `${field} of ${word} ${quote(key)} changed`;
  emit(kind, path, message, { key, before, after });
}

// MCP defaults for absent hints (spec: ToolAnnotations), and which value is the dangerous one.
const HINTS = [
  { hint: 'readOnlyHint', absent: false, danger: false },
  { hint: 'destructiveHint', absent: true, danger: true },
  { hint: 'idempotentHint', absent: false, danger: false },
  { hint: 'openWorldHint', absent: true, danger: true },
] as const;

function diffTool(key: string, b: ToolEntry, h: ToolEntry, emit: Emit): void {
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
function diffToolOrder(key: string, b: ToolEntry, h: ToolEntry, emit: Emit): void {
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

function diffPrompt(key: string, b: PromptEntry, h: PromptEntry, emit: Emit): void {
  const at = (...rest: PropertyKey[]) => ['prompts', key, ...rest];
  emitText(emit, 'prompt', 'title', key, at('title'), b.title, h.title, 'prompt');
  emitText(emit, 'prompt', 'description', key, at('description'), b.description, h.description, 'prompt');
  if (!same(b.arguments, h.arguments)) {
    emit('prompt.arguments.changed', at('arguments'), `arguments of prompt ${quote(key)} changed`, {
      key,
      before: b.arguments,
      after: h.arguments,
      details: structuralDetails(b.arguments ?? [], h.arguments ?? []),
    });
  }
  diffHostFields('prompt', 'prompt', key, at, b, h, emit);
}

function diffResource(kind: EntryKind, key: string, b: ResourceEntry, h: ResourceEntry, emit: Emit): void {
  const subject = SUBJECT_OF[kind];
  const prefix = SUBJECT_PREFIX[subject];
  const word = WORD[subject];
  const at = (...rest: PropertyKey[]) => [kind, key, ...rest];
  if (b.name !== h.name || b.title !== h.title) {
    emit(
      `${prefix}.name.changed`,
      at(b.name !== h.name ? 'name' : 'title'),
      `name of ${word} ${quote(key)} changed`,
      {
        key,
        before: { name: b.name, title: b.title },
        after: { name: h.name, title: h.title },
      },
    );
  }
  emitText(emit, prefix, 'description', key, at('description'), b.description, h.description, word);
  if (b.mimeType !== h.mimeType) {
    emit(
      `${prefix}.mime-type.changed`,
      at('mimeType'),
      `mimeType of ${word} ${quote(key)} ${b.mimeType ?? '(none)'} → ${h.mimeType ?? '(none)'}`,
      { key, before: b.mimeType, after: h.mimeType },
    );
  }
  diffHostFields(prefix, word, key, at, b, h, emit);
}

type AnyEntry = { digest: string } & Record<string, unknown>;

function diffEntry(kind: EntryKind, key: string, b: AnyEntry, h: AnyEntry, emit: Emit): void {
  if (kind === 'tools') diffTool(key, b as unknown as ToolEntry, h as unknown as ToolEntry, emit);
  else if (kind === 'prompts')
    diffPrompt(key, b as unknown as PromptEntry, h as unknown as PromptEntry, emit);
  else diffResource(kind, key, b as unknown as ResourceEntry, h as unknown as ResourceEntry, emit);
}

/** What must match for a removed + added pair to count as a rename ("same schema and description"). */
function renameIdentity(kind: EntryKind, entry: AnyEntry): string {
  if (kind === 'tools') return canon({ d: entry.description, s: entry.inputSchema });
  return canon(withoutDigest(entry));
}

/** Pair removed and added keys whose identity matches exactly one on each side. Returns added → removed. */
function findRenames(
  kind: EntryKind,
  removed: string[],
  added: string[],
  b: Record<string, AnyEntry>,
  h: Record<string, AnyEntry>,
): Map<string, string> {
  const byIdentity = (keys: string[], from: Record<string, AnyEntry>) => {
    const map = new Map<string, string[]>();
    for (const k of keys) {
      const id = renameIdentity(kind, own(from, k) as AnyEntry);
      map.set(id, [...(map.get(id) ?? []), k]);
    }
    return map;
  };
  const gone = byIdentity(removed, b);
  const fresh = byIdentity(added, h);
  const pairs = new Map<string, string>();
  for (const [id, addedKeys] of fresh) {
    const removedKeys = gone.get(id);
    if (addedKeys.length === 1 && removedKeys?.length === 1)
      pairs.set(addedKeys[0] as string, removedKeys[0] as string);
  }
  return pairs;
}

function diffEntries(kind: EntryKind, b: SurfaceLike, h: SurfaceLike, emit: Emit): void {
  const subject = SUBJECT_OF[kind];
  const prefix = SUBJECT_PREFIX[subject];
  const word = WORD[subject];
  const bs = b[kind] as Record<string, AnyEntry>;
  const hs = h[kind] as Record<string, AnyEntry>;
  const keys = [...new Set([...Object.keys(bs), ...Object.keys(hs)])].sort(compareKeys);
  const removed = keys.filter((k) => !Object.hasOwn(hs, k));
  const added = keys.filter((k) => !Object.hasOwn(bs, k));
  const renames = findRenames(kind, removed, added, bs, hs);
  const renamedFrom = new Set(renames.values());
  const known = [...new Set([...Object.keys(bs), ...Object.keys(hs)])];
  const skeletons = new Map<string, string>();
  const skeletonOf = (k: string) => {
    const cached = skeletons.get(k);
    if (cached !== undefined) return cached;
    const sk = skeleton(k);
    skeletons.set(k, sk);
    return sk;
  };

  for (const key of keys) {
    const be = own(bs, key);
    const he = own(hs, key);
    if (be !== undefined && he !== undefined) {
      if (be.digest !== he.digest) diffEntry(kind, key, be, he, emit);
      // Equal digests mean canonically equal bodies; only tools carry verbatim JSON that can be reordered.
      else if (kind === 'tools')
        diffToolOrder(key, be as unknown as ToolEntry, he as unknown as ToolEntry, emit);
      continue;
    }
    if (be !== undefined) {
      if (renamedFrom.has(key)) continue;
      emit(`${prefix}.removed`, [kind, key], `${word} ${quote(key)} removed`, {
        key,
        before: withoutDigest(be),
      });
      continue;
    }
    if (he === undefined) continue;
    const from = renames.get(key);
    if (from !== undefined) {
      emit(
        `${prefix}.renamed`,
        [kind, key],
        `${word} ${quote(from)} renamed to ${quote(key)} (same ${kind === 'tools' ? 'schema and description' : 'body'})`,
        { key, before: from, after: key },
      );
      diffEntry(kind, key, own(bs, from) as AnyEntry, he, emit);
    } else {
      emit(`${prefix}.added`, [kind, key], `new ${word} ${quote(key)}`, { key, after: withoutDigest(he) });
    }
    const reasons = confusableReasons(key, known, skeletonOf);
    if (reasons.length > 0) {
      emit(
        `${prefix}.name.confusable`,
        [kind, key],
        `${word} name ${quote(key)} is a possible homoglyph: ${reasons.join('; ')}`,
        { key, before: from, after: key, details: reasons },
      );
    }
  }
}

// Kinds that say nothing about an era split: the protocol version necessarily differs, and task support
// is 2025 vocabulary that 2026-07-28 deleted.
const NOT_A_SPLIT = new Set(['server.protocol.changed', 'tool.execution.changed']);

/**
 * How the 2026-07-28 surface of an era-split entry differs from its 2025 one, as one line per difference
 * ("new tool \"exec_shell\"": modern clients get it, 2025 clients do not).
 */
function eraSplitDetails(entry: ServerEntry & { eras: NonNullable<ServerEntry['eras']> }): string[] {
  const lines: string[] = [];
  const collect: Emit = (kind, _path, message) => {
    if (!NOT_A_SPLIT.has(kind)) lines.push(`${message} (${kind})`);
  };
  diffSurface(entry.eras.legacy, entry, collect, { protocol: false });
  return lines;
}

function diffSurface(
  b: SurfaceLike,
  h: SurfaceLike,
  emit: Emit,
  options: { protocol: boolean; between?: () => void },
): void {
  diffInfo(b, h, emit, options);
  options.between?.();
  for (const kind of ENTRY_KINDS) diffEntries(kind, b, h, emit);
}

function diffServer(name: string, b: ServerEntry, h: ServerEntry, out: Drift[]): void {
  const emit: Emit = (kind, path, message, extra = {}) => {
    const info = kindInfo(kind);
    const drift: Drift = {
      server: name,
      kind,
      severity: info.severity,
      subject: info.subject,
      path: formatPath(['servers', name, ...path]),
      message,
    };
    if (extra.key !== undefined) drift.key = extra.key;
    if (extra.before !== undefined) drift.before = extra.before;
    if (extra.after !== undefined) drift.after = extra.after;
    if (extra.details !== undefined && extra.details.length > 0) drift.details = extra.details;
    out.push(drift);
  };
  if (h.eras !== undefined) {
    const details = eraSplitDetails(h as ServerEntry & { eras: NonNullable<ServerEntry['eras']> });
    emit(
      'server.era-split',
      ['eras'],
      `server shows 2026-07-28 clients a different surface than 2025 clients${details.length === 0 ? '' : `: ${details.slice(0, 3).join('; ')}${details.length > 3 ? '; …' : ''}`}`,
      { details },
    );
  }
  diffLaunch(b, h, emit);
  diffGenerations(b, h, emit);
  diffSurface(b, h, emit, { protocol: true, between: () => diffCapseal(b, h, emit) });
  if (b.eras !== undefined || h.eras !== undefined) {
    // What 2025 clients see, compared on its own: it is the top-level surface only without a split.
    const legacy: Emit = (kind, path, message, extra) =>
      emit(kind, ['eras', 'legacy', ...path], `2025 clients: ${message}`, extra);
    diffSurface(legacySurfaceOf(b), legacySurfaceOf(h), legacy, { protocol: false });
  }
}

function serverSummary(entry: ServerEntry): Record<string, unknown> {
  return {
    source: entry.source,
    artifact: entry.artifact,
    tools: Object.keys(entry.tools),
    prompts: Object.keys(entry.prompts),
    resources: Object.keys(entry.resources),
    resourceTemplates: Object.keys(entry.resourceTemplates),
  };
}

/**
 * Every difference between two lockfiles (or a lockfile and a live snapshot turned into one), each with
 * the severity of its rule (see DRIFT_KINDS). Pure and deterministic: servers in key order, then per
 * server the server-level drifts, then tools, prompts, resources and templates, each in key order.
 * Inputs are trusted lockfiles (parsed, digests verified): equal entry digests mean canonically equal bodies.
 */
export function diffLocks(base: Lockfile, head: Lockfile): Drift[] {
  const out: Drift[] = [];
  const names = [...new Set([...Object.keys(base.servers), ...Object.keys(head.servers)])].sort(compareKeys);
  for (const name of names) {
    const b = own(base.servers, name);
    const h = own(head.servers, name);
    if (b !== undefined && h !== undefined) diffServer(name, b, h, out);
    else if (h !== undefined) {
      out.push({
        server: name,
        kind: 'server.added',
        severity: kindInfo('server.added').severity,
        subject: 'server',
        path: formatPath(['servers', name]),
        message: `new server ${quote(name)} (${describeSource(h.source)}) is not in the locked set`,
        after: serverSummary(h),
      });
    } else if (b !== undefined) {
      out.push({
        server: name,
        kind: 'server.removed',
        severity: kindInfo('server.removed').severity,
        subject: 'server',
        path: formatPath(['servers', name]),
        message: `locked server ${quote(name)} is no longer present`,
        before: serverSummary(b),
      });
    }
  }
  return out;
}
