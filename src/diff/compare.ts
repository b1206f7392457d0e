import microdiff from 'microdiff';
import { canonicalize, formatPath } from '../lockfile/index.js';
import type { Drift } from './types.js';

// Small comparisons every part of diffLocks shares.

export type Emit = (
  kind: string,
  path: readonly PropertyKey[],
  message: string,
  extra?: Pick<Drift, 'key' | 'before' | 'after' | 'details'>,
) => void;

export const canon = (v: unknown): string => canonicalize(v ?? null);
/** Own entries only: keys come from servers, and `constructor` or `toString` must not hit Object.prototype. */
export const own = <V>(record: Record<string, V>, key: string): V | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;
export const same = (a: unknown, b: unknown): boolean => canon(a) === canon(b);
export const verbatim = (v: unknown): string => JSON.stringify(v ?? null);
export const quote = (s: string): string => JSON.stringify(s);

export function withoutDigest<T extends { digest: string }>(entry: T): Omit<T, 'digest'> {
  const { digest: _ignored, ...rest } = entry;
  return rest;
}

/** Whitespace-insensitive form of a text: trimmed, runs of whitespace collapsed. */
export function squash(text: string | undefined): string {
  return (text ?? '').trim().replace(/\s+/g, ' ');
}

/** `same`, `cosmetic` (whitespace only) or `changed`. */
export function compareText(a: string | undefined, b: string | undefined): 'same' | 'cosmetic' | 'changed' {
  if (a === b) return 'same';
  return squash(a) === squash(b) ? 'cosmetic' : 'changed';
}

export function structuralDetails(base: unknown, head: unknown): string[] {
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

/** A description or title change of an entry: `<prefix>.<field>.cosmetic` (whitespace only) or `.changed`. */
export function emitText(
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
