import {
  compareKeys,
  type EntryKind,
  type PromptEntry,
  type ResourceEntry,
  type ToolEntry,
} from '../lockfile/index.js';
import { canon, type Emit, emitText, own, quote, same, structuralDetails, withoutDigest } from './compare.js';
import { confusableReasons, skeleton } from './confusable.js';
import { diffHostFields } from './host-fields.js';
import { SUBJECT_PREFIX } from './kinds.js';
import type { SurfaceLike } from './server-level.js';
import { diffTool, diffToolOrder } from './tool.js';
import type { DriftSubject } from './types.js';

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

/**
 * One entry list (tools, prompts, resources or templates) of two surfaces: changed, reordered, removed,
 * renamed (one removed + one added with the same identity) and added entries, added names checked for
 * homoglyphs of the names on either side. Keys in key order.
 */
export function diffEntries(kind: EntryKind, b: SurfaceLike, h: SurfaceLike, emit: Emit): void {
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
