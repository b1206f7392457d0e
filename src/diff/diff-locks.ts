import microdiff from 'microdiff';
import { canonicalize } from '../lockfile/canonical.js';
import { formatPath } from '../lockfile/parse.js';
import {
  ENTRY_KINDS,
  type EntryKind,
  type Lockfile,
  type PromptEntry,
  type ResourceEntry,
  type ServerEntry,
  type ToolEntry,
} from '../lockfile/schema.js';
import { compareKeys } from '../lockfile/serialize.js';
import { confusableReasons, skeleton } from './confusable.js';
import { kindInfo, SUBJECT_PREFIX } from './kinds.js';
import { compareSchemas } from './schema-change.js';
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

type Emit = (
  kind: string,
  path: readonly PropertyKey[],
  message: string,
  extra?: Pick<Drift, 'key' | 'before' | 'after' | 'details'>,
) => void;

const canon = (v: unknown): string => canonicalize(v ?? null);
/** Own entries only: keys come from servers, and `constructor` or `toString` must not hit Object.prototype. */
const own = <V>(record: Record<string, V>, key: string): V | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;
const same = (a: unknown, b: unknown): boolean => canon(a) === canon(b);
const verbatim = (v: unknown): string => JSON.stringify(v ?? null);
const quote = (s: string): string => JSON.stringify(s);

function withoutDigest<T extends { digest: string }>(entry: T): Omit<T, 'digest'> {
  const { digest: _ignored, ...rest } = entry;
  return rest;
}

/** Whitespace-insensitive form of a text: trimmed, runs of whitespace collapsed. */
function squash(text: string | undefined): string {
  return (text ?? '').trim().replace(/\s+/g, ' ');
}

/** `same`, `cosmetic` (whitespace only) or `changed`. */
function compareText(a: string | undefined, b: string | undefined): 'same' | 'cosmetic' | 'changed' {
  if (a === b) return 'same';
  return squash(a) === squash(b) ? 'cosmetic' : 'changed';
}

function structuralDetails(base: unknown, head: unknown): string[] {
  const b = (base ?? {}) as Record<string, unknown>;
  const h = (head ?? {}) as Record<string, unknown>;
  if (typeof b !== 'object' || typeof h !== 'object') return [`${verbatim(base)} → ${verbatim(head)}`];
  return microdiff(b, h).map((d) => {
    const at = formatPath(d.path);
    if (d.type === 'CREATE') return `${at}: added ${verbatim(d.value)}`;
    if (d.type === 'REMOVE') return `${at}: removed (was ${verbatim(d.oldValue)})`;
    return `${at}: ${verbatim(d.oldValue)} → ${verbatim(d.value)}`;
  });
}

function describeSource(source: ServerEntry['source']): string {
  return source.transport === 'stdio'
    ? [source.command, ...source.args].join(' ')
    : `${source.transport} ${source.url}`;
}

function describeArtifact(artifact: ServerEntry['artifact']): string {
  switch (artifact.kind) {
    case 'npm':
      return `npm ${artifact.name}@${artifact.version} (${artifact.integrity.slice(0, 19)}…)`;
    case 'file':
      return `file ${artifact.path} (sha256 ${artifact.sha256.slice(0, 12)}…)`;
    case 'docker':
      return `docker ${artifact.image}${artifact.digest === null ? ' (no digest)' : `@${artifact.digest}`}`;
    case 'remote':
      return `remote ${artifact.url}`;
    case 'unresolved':
      return `unresolved (${artifact.reason})`;
  }
}

/** The part of an entry one protocol generation shows: server info and the four lists. */
type SurfaceLike = Pick<ServerEntry, 'server' | 'tools' | 'prompts' | 'resources' | 'resourceTemplates'>;

/** Generations an entry records; a version-1 entry (none recorded) offered the 2025 generation only. */
function generationsOf(entry: ServerEntry): NonNullable<ServerEntry['generations']> {
  return entry.generations ?? { legacy: { protocolVersion: entry.server.protocolVersion } };
}

/** What 2025 clients are shown: the split-off legacy surface, else the one surface. */
function legacySurfaceOf(entry: ServerEntry): SurfaceLike {
  return entry.eras?.legacy ?? entry;
}

const ERA_WORD = { modern: '2026-07-28 (server/discover)', legacy: '2025 (initialize)' } as const;

function diffLaunch(b: ServerEntry, h: ServerEntry, emit: Emit): void {
  if (!same(b.source, h.source)) {
    emit(
      'server.source.changed',
      ['source'],
      `launch changed: ${describeSource(b.source)} → ${describeSource(h.source)}`,
      { before: b.source, after: h.source, details: structuralDetails(b.source, h.source) },
    );
  }
  if (!same(b.artifact, h.artifact)) {
    emit(
      'server.artifact.changed',
      ['artifact'],
      `artifact pin changed: ${describeArtifact(b.artifact)} → ${describeArtifact(h.artifact)}`,
      { before: b.artifact, after: h.artifact },
    );
  }
}

function diffGenerations(b: ServerEntry, h: ServerEntry, emit: Emit): void {
  const bg = generationsOf(b);
  const hg = generationsOf(h);
  const offered = (g: typeof bg) => (['modern', 'legacy'] as const).filter((era) => g[era] !== undefined);
  const before = offered(bg);
  const after = offered(hg);
  if (before.join() !== after.join()) {
    const added = after.filter((e) => !before.includes(e)).map((e) => `now offers ${ERA_WORD[e]}`);
    const removed = before.filter((e) => !after.includes(e)).map((e) => `no longer offers ${ERA_WORD[e]}`);
    emit(
      'server.generations.changed',
      ['generations'],
      `protocol generations changed: ${[...added, ...removed].join('; ')}`,
      {
        before,
        after,
      },
    );
  }
  const versions = (g: typeof bg) => ({
    modern: [...(g.modern?.supportedVersions ?? [])].sort(compareKeys),
    legacy: g.legacy?.protocolVersion,
  });
  const bv = versions(bg);
  const hv = versions(hg);
  if (bg.modern !== undefined && hg.modern !== undefined && bv.modern.join() !== hv.modern.join()) {
    emit(
      'server.supported-versions.changed',
      ['generations', 'modern', 'supportedVersions'],
      `supported versions ${bv.modern.join(', ')} → ${hv.modern.join(', ')}`,
      { before: bg.modern.supportedVersions, after: hg.modern.supportedVersions },
    );
  }
  if (
    bv.legacy !== undefined &&
    hv.legacy !== undefined &&
    bv.legacy !== hv.legacy &&
    b.generations !== undefined
  ) {
    emit(
      'server.supported-versions.changed',
      ['generations', 'legacy', 'protocolVersion'],
      `version negotiated in initialize ${bv.legacy} → ${hv.legacy}`,
      { before: bv.legacy, after: hv.legacy },
    );
  }
}

function withoutExtensions(capabilities: Record<string, unknown>): Record<string, unknown> {
  const { extensions: _e, ...rest } = capabilities;
  return rest;
}

function diffInfo(b: SurfaceLike, h: SurfaceLike, emit: Emit, options: { protocol: boolean }): void {
  const bi = b.server;
  const hi = h.server;
  if (bi.version !== hi.version) {
    emit('server.version.changed', ['server', 'version'], `server version ${bi.version} → ${hi.version}`, {
      before: bi.version,
      after: hi.version,
    });
  }
  if (bi.name !== hi.name || bi.title !== hi.title) {
    const field = bi.name !== hi.name ? 'name' : 'title';
    emit(
      'server.info.changed',
      ['server', field],
      `server ${field} ${quote(String(bi[field] ?? ''))} → ${quote(String(hi[field] ?? ''))}`,
      { before: { name: bi.name, title: bi.title }, after: { name: hi.name, title: hi.title } },
    );
  }
  if (!same(bi.icons, hi.icons)) {
    emit('server.icons.changed', ['server', 'icons'], 'server icons changed', {
      before: bi.icons,
      after: hi.icons,
      details: structuralDetails(bi.icons ?? [], hi.icons ?? []),
    });
  }
  if (options.protocol && bi.protocolVersion !== hi.protocolVersion) {
    emit(
      'server.protocol.changed',
      ['server', 'protocolVersion'],
      `protocol version ${bi.protocolVersion} → ${hi.protocolVersion}`,
      { before: bi.protocolVersion, after: hi.protocolVersion },
    );
  }
  const bc = withoutExtensions(bi.capabilities);
  const hc = withoutExtensions(hi.capabilities);
  if (!same(bc, hc)) {
    emit('server.capabilities.changed', ['server', 'capabilities'], 'declared capabilities changed', {
      before: bi.capabilities,
      after: hi.capabilities,
      details: structuralDetails(bc, hc),
    });
  } else if (
    verbatim(bi.capabilities) !== verbatim(hi.capabilities) &&
    same(bi.capabilities, hi.capabilities)
  ) {
    emit(
      'server.capabilities.reordered',
      ['server', 'capabilities'],
      'declared capabilities reordered (same content)',
      { before: bi.capabilities, after: hi.capabilities },
    );
  }
  if (!same(bi.capabilities.extensions, hi.capabilities.extensions)) {
    emit(
      'server.extensions.changed',
      ['server', 'capabilities', 'extensions'],
      'declared extensions changed',
      {
        before: bi.capabilities.extensions,
        after: hi.capabilities.extensions,
        details: structuralDetails(bi.capabilities.extensions ?? {}, hi.capabilities.extensions ?? {}),
      },
    );
  }
  const instructions = compareText(bi.instructions, hi.instructions);
  if (instructions !== 'same') {
    const what =
      bi.instructions === undefined ? 'appeared' : hi.instructions === undefined ? 'were removed' : 'changed';
    emit(
      instructions === 'cosmetic' ? 'server.instructions.cosmetic' : 'server.instructions.changed',
      ['server', 'instructions'],
      instructions === 'cosmetic'
        ? 'server instructions changed in whitespace only'
        : `server instructions ${what}`,
      { before: bi.instructions, after: hi.instructions },
    );
  }
}

function diffCapseal(b: ServerEntry, h: ServerEntry, emit: Emit): void {
  if (!same(b.sandbox, h.sandbox)) {
    emit('server.sandbox.changed', ['sandbox'], 'sandbox protections differ', {
      before: b.sandbox,
      after: h.sandbox,
      details: structuralDetails(b.sandbox, h.sandbox),
    });
  }
  if (!same(b.client, h.client)) {
    emit('server.client.changed', ['client'], 'client declaration differs', {
      before: b.client,
      after: h.client,
      details: structuralDetails(b.client, h.client),
    });
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

type HostFields = { _meta?: Record<string, unknown>; icons?: unknown[] };

/** Is a `_meta` key MCP Apps UI metadata (`ui`, or the flat `ui/resourceUri` form)? */
const isUiKey = (key: string): boolean => key === 'ui' || key.startsWith('ui/');

function pickMeta(meta: Record<string, unknown> | undefined, ui: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta ?? {})) if (isUiKey(k) === ui) out[k] = v;
  return out;
}

/** `_meta` (MCP Apps `ui` on its own, critical) and `icons` of any entry kind. */
function diffHostFields(
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
    emit('tool.output-schema.changed', at('outputSchema'), `output schema of tool ${quote(key)} changed`, {
      key,
      before: b.outputSchema,
      after: h.outputSchema,
      details: structuralDetails(b.outputSchema, h.outputSchema),
    });
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
