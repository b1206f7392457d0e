import { canonicalize } from '../lockfile/canonical.js';

/** How a JSON Schema changed, as human reasons grouped by effect. Empty lists mean "no such change". */
export interface SchemaChange {
  /** The schema now accepts something it did not (critical for input schemas). */
  broadened: string[];
  /** The schema now rejects something it accepted. */
  narrowed: string[];
  /** A description or title inside the schema changed. */
  text: string[];
  /** Any other change (defaults, examples, unknown keywords). */
  other: string[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const same = (a: unknown, b: unknown): boolean => canonicalize(a ?? null) === canonicalize(b ?? null);
const show = (v: unknown): string => JSON.stringify(v);

/** Upper bounds: dropping or raising one broadens; adding or lowering one narrows. */
const UPPER = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties', 'maxContains'];
/** Lower bounds: dropping or lowering one broadens; adding or raising one narrows. */
const LOWER = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties', 'minContains'];
/** Constraints whose presence restricts and whose values cannot be ordered: any change is a loosening risk. */
const OPAQUE = ['pattern', 'format', 'contentEncoding', 'contentMediaType', 'multipleOf', 'propertyNames'];
const TEXT = ['description', 'title'];
const HANDLED = new Set([
  ...UPPER,
  ...LOWER,
  ...OPAQUE,
  ...TEXT,
  'type',
  'properties',
  'required',
  'enum',
  'const',
  'additionalProperties',
  'items',
  'anyOf',
  'oneOf',
  'allOf',
  'uniqueItems',
  'not',
]);

function typeSet(schema: Json): Set<string> | undefined {
  const t = schema.type;
  if (t === undefined) return undefined;
  const list = (Array.isArray(t) ? t : [t]).map(String);
  const set = new Set(list);
  // `number` already accepts every integer.
  if (set.has('number')) set.add('integer');
  return set;
}

function stringSet(v: unknown): string[] {
  return Array.isArray(v) ? v.map((x) => canonicalize(x)) : [];
}

function compareTypes(at: string, base: Json, head: Json, out: SchemaChange): void {
  const b = typeSet(base);
  const h = typeSet(head);
  if (same(base.type, head.type)) return;
  if (b === undefined) {
    out.narrowed.push(`${at}: type restricted to ${show(head.type)}`);
    return;
  }
  if (h === undefined) {
    out.broadened.push(`${at}: type ${show(base.type)} dropped (any type accepted)`);
    return;
  }
  const added = [...h].filter((t) => !b.has(t));
  const removed = [...b].filter((t) => !h.has(t));
  if (added.length > 0)
    out.broadened.push(`${at}: type widened from ${show(base.type)} to ${show(head.type)}`);
  if (removed.length > 0)
    out.narrowed.push(`${at}: type narrowed from ${show(base.type)} to ${show(head.type)}`);
}

function compareEnum(at: string, key: 'enum' | 'const', base: Json, head: Json, out: SchemaChange): void {
  if (same(base[key], head[key])) return;
  if (base[key] === undefined) {
    out.narrowed.push(`${at}: ${key} added`);
    return;
  }
  if (head[key] === undefined) {
    out.broadened.push(`${at}: ${key} dropped`);
    return;
  }
  const b = key === 'enum' ? stringSet(base.enum) : [canonicalize(base.const)];
  const h = key === 'enum' ? stringSet(head.enum) : [canonicalize(head.const)];
  const added = h.filter((x) => !b.includes(x));
  const removed = b.filter((x) => !h.includes(x));
  if (added.length > 0) out.broadened.push(`${at}: ${key} widened with ${added.join(', ')}`);
  if (removed.length > 0) out.narrowed.push(`${at}: ${key} no longer allows ${removed.join(', ')}`);
  if (added.length === 0 && removed.length === 0) out.other.push(`${at}: ${key} reordered`);
}

function compareBounds(at: string, base: Json, head: Json, out: SchemaChange): void {
  for (const [keys, upper] of [
    [UPPER, true],
    [LOWER, false],
  ] as const) {
    for (const key of keys) {
      const b = base[key];
      const h = head[key];
      if (same(b, h)) continue;
      if (b === undefined) out.narrowed.push(`${at}: ${key} ${show(h)} added`);
      else if (h === undefined) out.broadened.push(`${at}: ${key} ${show(b)} dropped`);
      else if (typeof b === 'number' && typeof h === 'number') {
        const looser = upper ? h > b : h < b;
        (looser ? out.broadened : out.narrowed).push(
          `${at}: ${key} ${looser ? 'loosened' : 'tightened'} from ${b} to ${h}`,
        );
      } else out.broadened.push(`${at}: ${key} changed from ${show(b)} to ${show(h)}`);
    }
  }
}

function compareOpaque(at: string, base: Json, head: Json, out: SchemaChange): void {
  for (const key of OPAQUE) {
    const b = base[key];
    const h = head[key];
    if (same(b, h)) continue;
    if (b === undefined) out.narrowed.push(`${at}: ${key} ${show(h)} added`);
    else if (h === undefined) out.broadened.push(`${at}: ${key} ${show(b)} dropped`);
    // A changed pattern or format cannot be proven not looser, so it counts as broadening.
    else out.broadened.push(`${at}: ${key} changed from ${show(b)} to ${show(h)}`);
  }
  if (base.uniqueItems === true && head.uniqueItems !== true)
    out.broadened.push(`${at}: uniqueItems dropped`);
  if (base.uniqueItems !== true && head.uniqueItems === true) out.narrowed.push(`${at}: uniqueItems added`);
  if (!same(base.not, head.not)) {
    if (head.not === undefined) out.broadened.push(`${at}: not dropped`);
    else if (base.not === undefined) out.narrowed.push(`${at}: not added`);
    else out.broadened.push(`${at}: not changed`);
  }
}

function compareProperties(at: string, base: Json, head: Json, out: SchemaChange): void {
  const b = isObject(base.properties) ? base.properties : {};
  const h = isObject(head.properties) ? head.properties : {};
  for (const name of Object.keys(h)) {
    if (!(name in b)) out.broadened.push(`${at}: new property ${show(name)}`);
  }
  for (const name of Object.keys(b)) {
    if (!(name in h)) out.narrowed.push(`${at}: property ${show(name)} removed`);
    else compareSchemas(`${at}.properties.${name}`, b[name], h[name], out);
  }
  const bReq = new Set(Array.isArray(base.required) ? base.required.map(String) : []);
  const hReq = new Set(Array.isArray(head.required) ? head.required.map(String) : []);
  for (const name of bReq) if (!hReq.has(name)) out.broadened.push(`${at}: ${show(name)} no longer required`);
  for (const name of hReq) if (!bReq.has(name)) out.narrowed.push(`${at}: ${show(name)} now required`);
}

function compareAdditional(at: string, base: Json, head: Json, out: SchemaChange): void {
  const b = base.additionalProperties;
  const h = head.additionalProperties;
  if (same(b, h)) return;
  // Absent and `true` both accept anything.
  const bOpen = b === undefined || b === true;
  const hOpen = h === undefined || h === true;
  if (bOpen && hOpen) return;
  if (hOpen)
    out.broadened.push(`${at}: additionalProperties ${show(b)} dropped (any extra property accepted)`);
  else if (bOpen) out.narrowed.push(`${at}: additionalProperties restricted to ${show(h)}`);
  else if (b === false) out.broadened.push(`${at}: additionalProperties loosened from false to ${show(h)}`);
  else if (h === false) out.narrowed.push(`${at}: additionalProperties tightened to false`);
  else compareSchemas(`${at}.additionalProperties`, b, h, out);
}

function compareAlternatives(at: string, base: Json, head: Json, out: SchemaChange): void {
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (same(base[key], head[key])) continue;
    const b = stringSet(base[key]);
    const h = stringSet(head[key]);
    const added = h.filter((x) => !b.includes(x)).length;
    const removed = b.filter((x) => !h.includes(x)).length;
    // More alternatives accept more; more allOf conjuncts accept less.
    const widen = key === 'allOf' ? removed : added;
    const tighten = key === 'allOf' ? added : removed;
    if (base[key] === undefined) out.narrowed.push(`${at}: ${key} added`);
    else if (head[key] === undefined) out.broadened.push(`${at}: ${key} dropped`);
    else {
      if (widen > 0)
        out.broadened.push(`${at}: ${key} ${key === 'allOf' ? 'lost' : 'gained'} ${widen} branch(es)`);
      if (tighten > 0)
        out.narrowed.push(`${at}: ${key} ${key === 'allOf' ? 'gained' : 'lost'} ${tighten} branch(es)`);
      if (widen === 0 && tighten === 0) out.other.push(`${at}: ${key} reordered`);
    }
  }
}

/**
 * Classify the change from one JSON Schema to another, recursively through properties, items and
 * additionalProperties. `at` is a readable location prefix for the reasons. Pure; never throws on odd
 * schemas (unknown shapes fall into `other`, or `broadened` when a constraint's effect cannot be ordered).
 */
export function compareSchemas(at: string, base: unknown, head: unknown, out?: SchemaChange): SchemaChange {
  const result = out ?? { broadened: [], narrowed: [], text: [], other: [] };
  if (same(base, head)) return result;
  // Boolean schemas: true accepts anything, false nothing.
  if (!isObject(base) || !isObject(head)) {
    if (base === true || head === false) result.narrowed.push(`${at}: schema replaced by ${show(head)}`);
    else result.broadened.push(`${at}: schema replaced by ${show(head)}`);
    return result;
  }
  compareTypes(at, base, head, result);
  compareEnum(at, 'enum', base, head, result);
  compareEnum(at, 'const', base, head, result);
  compareBounds(at, base, head, result);
  compareOpaque(at, base, head, result);
  compareProperties(at, base, head, result);
  compareAdditional(at, base, head, result);
  compareAlternatives(at, base, head, result);
  if (!same(base.items, head.items)) {
    if (base.items === undefined) result.narrowed.push(`${at}: items restricted`);
    else if (head.items === undefined) result.broadened.push(`${at}: items constraint dropped`);
    else compareSchemas(`${at}.items`, base.items, head.items, result);
  }
  for (const key of TEXT) {
    if (!same(base[key], head[key])) result.text.push(`${at}: ${key} changed`);
  }
  const others = new Set([...Object.keys(base), ...Object.keys(head)].filter((k) => !HANDLED.has(k)));
  for (const key of others) {
    if (!same(base[key], head[key])) result.other.push(`${at}: ${key} changed`);
  }
  return result;
}
