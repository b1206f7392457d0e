import { canonicalize } from '../lockfile/index.js';
import { same } from './compare.js';
import {
  ANNOTATIONS,
  HANDLED,
  isObject,
  type Json,
  LOWER,
  OPAQUE,
  OPEN_SLOTS,
  PROSE,
  REFERENCES,
  SCHEMA_MAPS,
  SUBSCHEMAS,
  UPPER,
} from './schema-keywords.js';
import { holdsString, modelVisibleStringChanges } from './schema-text.js';

/** How a JSON Schema changed, as human reasons grouped by effect. Empty lists mean "no such change". */
export interface SchemaChange {
  /** The schema now accepts something it did not, or may (critical for input schemas). */
  broadened: string[];
  /** The schema now rejects something it accepted. */
  narrowed: string[];
  /** A string the model reads changed (descriptions, titles, examples, comments, enum values, names…). */
  text: string[];
  /** Any other change (numeric defaults, readOnly, deprecated, …). */
  other: string[];
}

const show = (v: unknown): string => JSON.stringify(v);

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
  if (added.length === 0 && removed.length === 0) out.other.push(`${at}: type rewritten (same types)`);
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

/**
 * A keyword whose presence constrains: added narrows, dropped broadens, and a changed value is judged by
 * `changed` (called only when both sides have one and they differ).
 */
function compareConstraint(
  at: string,
  key: string,
  base: Json,
  head: Json,
  out: SchemaChange,
  changed: (b: unknown, h: unknown) => void,
): void {
  const b = base[key];
  const h = head[key];
  if (same(b, h)) return;
  if (b === undefined) out.narrowed.push(`${at}: ${key} ${show(h)} added`);
  else if (h === undefined) out.broadened.push(`${at}: ${key} ${show(b)} dropped`);
  else changed(b, h);
}

function compareBounds(at: string, base: Json, head: Json, out: SchemaChange): void {
  for (const [keys, upper] of [
    [UPPER, true],
    [LOWER, false],
  ] as const) {
    for (const key of keys) {
      compareConstraint(at, key, base, head, out, (b, h) => {
        if (typeof b === 'number' && typeof h === 'number') {
          const looser = upper ? h > b : h < b;
          (looser ? out.broadened : out.narrowed).push(
            `${at}: ${key} ${looser ? 'loosened' : 'tightened'} from ${b} to ${h}`,
          );
        } else out.broadened.push(`${at}: ${key} changed from ${show(b)} to ${show(h)}`);
      });
    }
  }
}

function compareOpaque(at: string, base: Json, head: Json, out: SchemaChange): void {
  for (const key of OPAQUE) {
    // A changed pattern or format cannot be proven not looser, so it counts as broadening.
    compareConstraint(at, key, base, head, out, (b, h) =>
      out.broadened.push(`${at}: ${key} changed from ${show(b)} to ${show(h)}`),
    );
  }
  for (const key of REFERENCES) {
    if (same(base[key], head[key])) continue;
    const what =
      base[key] === undefined
        ? `${show(head[key])} added`
        : head[key] === undefined
          ? `${show(base[key])} dropped`
          : `changed from ${show(base[key])} to ${show(head[key])}`;
    out.broadened.push(`${at}: ${key} ${what} (what it resolves to cannot be compared)`);
  }
  if (base.uniqueItems === true && head.uniqueItems !== true)
    out.broadened.push(`${at}: uniqueItems dropped`);
  if (base.uniqueItems !== true && head.uniqueItems === true) out.narrowed.push(`${at}: uniqueItems added`);
  if (base.nullable !== true && head.nullable === true) out.broadened.push(`${at}: nullable added`);
  if (base.nullable === true && head.nullable !== true) out.narrowed.push(`${at}: nullable dropped`);
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
    if (!Object.hasOwn(b, name)) out.broadened.push(`${at}: new property ${show(name)}`);
  }
  for (const name of Object.keys(b)) {
    if (!Object.hasOwn(h, name)) out.narrowed.push(`${at}: property ${show(name)} removed`);
    else compareSchemas(`${at}.properties.${name}`, b[name], h[name], out);
  }
  const bReq = new Set(Array.isArray(base.required) ? base.required.map(String) : []);
  const hReq = new Set(Array.isArray(head.required) ? head.required.map(String) : []);
  for (const name of bReq) if (!hReq.has(name)) out.broadened.push(`${at}: ${show(name)} no longer required`);
  for (const name of hReq) if (!bReq.has(name)) out.narrowed.push(`${at}: ${show(name)} now required`);
}

/** additionalProperties and its kin: absent and `true` accept anything, `false` nothing. */
function compareOpenSlot(at: string, key: string, base: Json, head: Json, out: SchemaChange): void {
  const b = base[key];
  const h = head[key];
  if (same(b, h)) return;
  const bOpen = b === undefined || b === true;
  const hOpen = h === undefined || h === true;
  if (bOpen && hOpen) return;
  if (hOpen) out.broadened.push(`${at}: ${key} ${show(b)} dropped (anything accepted)`);
  else if (bOpen) out.narrowed.push(`${at}: ${key} restricted to ${show(h)}`);
  else if (b === false) out.broadened.push(`${at}: ${key} loosened from false to ${show(h)}`);
  else if (h === false) out.narrowed.push(`${at}: ${key} tightened to false`);
  else compareSchemas(`${at}.${key}`, b, h, out);
}

/** patternProperties, dependentSchemas, $defs: entries added, removed or changed. */
function compareSchemaMap(at: string, key: string, base: Json, head: Json, out: SchemaChange): void {
  if (same(base[key], head[key])) return;
  const b = isObject(base[key]) ? base[key] : {};
  const h = isObject(head[key]) ? head[key] : {};
  const additional = base.additionalProperties;
  // A pattern exempts matching properties from additionalProperties: with `false` (closed) a new pattern
  // admits properties that were refused; with an open object it only adds a constraint.
  const closed = additional !== undefined && additional !== true;
  for (const name of Object.keys(h)) {
    if (Object.hasOwn(b, name)) continue;
    const bucket =
      key === 'patternProperties'
        ? closed
          ? out.broadened
          : out.narrowed
        : key === 'dependentSchemas'
          ? out.narrowed
          : out.other; // a new definition constrains nothing until a `$ref` (reported itself) uses it
    bucket.push(`${at}: ${key} ${show(name)} added`);
  }
  for (const name of Object.keys(b)) {
    if (!Object.hasOwn(h, name)) {
      const reason = `${at}: ${key} ${show(name)} removed`;
      // A removed pattern on a closed object refuses what it matched; everywhere else it loosens (a
      // removed definition leaves every `$ref` to it resolving to nothing the validator can check).
      if (key === 'patternProperties' && additional === false) out.narrowed.push(reason);
      else out.broadened.push(reason);
    } else compareSchemas(`${at}.${key}[${show(name)}]`, b[name], h[name], out);
  }
}

/** dependentRequired (and draft-07 `dependencies`, whose values are name lists or schemas). */
function compareDependencies(at: string, key: string, base: Json, head: Json, out: SchemaChange): void {
  if (same(base[key], head[key])) return;
  const b = isObject(base[key]) ? base[key] : {};
  const h = isObject(head[key]) ? head[key] : {};
  for (const name of new Set([...Object.keys(b), ...Object.keys(h)])) {
    const bv = Object.hasOwn(b, name) ? b[name] : undefined;
    const hv = Object.hasOwn(h, name) ? h[name] : undefined;
    if (same(bv, hv)) continue;
    if (bv === undefined) out.narrowed.push(`${at}: ${key} ${show(name)} added`);
    else if (hv === undefined) out.broadened.push(`${at}: ${key} ${show(name)} removed`);
    else if (Array.isArray(bv) && Array.isArray(hv)) {
      const bs = new Set(bv.map(String));
      const hs = new Set(hv.map(String));
      if ([...bs].some((x) => !hs.has(x)))
        out.broadened.push(`${at}: ${key} ${show(name)} requires fewer properties`);
      if ([...hs].some((x) => !bs.has(x)))
        out.narrowed.push(`${at}: ${key} ${show(name)} requires more properties`);
    } else if (!Array.isArray(bv) && !Array.isArray(hv))
      compareSchemas(`${at}.${key}[${show(name)}]`, bv, hv, out);
    else out.broadened.push(`${at}: ${key} ${show(name)} changed form`);
  }
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
      if (tighten > 0) {
        const reason = `${at}: ${key} ${key === 'allOf' ? 'gained' : 'lost'} ${tighten} branch(es)`;
        // oneOf is exclusive: a value matching two branches was refused, and one branch fewer admits it.
        (key === 'oneOf' ? out.broadened : out.narrowed).push(
          key === 'oneOf' ? `${reason} (values that matched two branches are now accepted)` : reason,
        );
      }
      if (widen === 0 && tighten === 0) out.other.push(`${at}: ${key} reordered`);
    }
  }
}

/** A keyword holding one constraining subschema: added narrows, dropped broadens, changed recurses. */
function compareSubschema(at: string, key: string, base: Json, head: Json, out: SchemaChange): void {
  const b = base[key];
  const h = head[key];
  if (same(b, h)) return;
  if (b === undefined) out.narrowed.push(`${at}: ${key} added`);
  else if (h === undefined) out.broadened.push(`${at}: ${key} dropped`);
  else compareSchemas(`${at}.${key}`, b, h, out);
}

function compareItems(at: string, base: Json, head: Json, out: SchemaChange): void {
  for (const key of ['items', 'prefixItems'] as const) {
    const b = base[key];
    const h = head[key];
    if (same(b, h)) continue;
    if (b === undefined) out.narrowed.push(`${at}: ${key} restricted`);
    else if (h === undefined) out.broadened.push(`${at}: ${key} constraint dropped`);
    else if (Array.isArray(b) && Array.isArray(h)) {
      // Tuple form: position by position; a change of length moves which positions are constrained.
      if (b.length !== h.length)
        out.broadened.push(`${at}: ${key} has ${h.length} position(s) instead of ${b.length}`);
      for (let i = 0; i < Math.min(b.length, h.length); i++)
        compareSchemas(`${at}.${key}[${i}]`, b[i], h[i], out);
    } else if (Array.isArray(b) || Array.isArray(h)) out.broadened.push(`${at}: ${key} changed form`);
    else compareSchemas(`${at}.${key}`, b, h, out);
  }
}

function compareConditional(at: string, base: Json, head: Json, out: SchemaChange): void {
  if (!same(base.if, head.if)) {
    // Moving the condition moves which values then/else apply to: not comparable, so looser.
    out.broadened.push(
      `${at}: if ${base.if === undefined ? 'added' : head.if === undefined ? 'dropped' : 'changed'} (then/else apply to other values)`,
    );
  }
}

function compareText(at: string, base: Json, head: Json, out: SchemaChange): void {
  for (const key of PROSE) {
    if (!same(base[key], head[key])) out.text.push(`${at}: ${key} changed`);
  }
  for (const key of ANNOTATIONS) {
    if (same(base[key], head[key])) continue;
    (holdsString(base[key]) || holdsString(head[key]) ? out.text : out.other).push(`${at}: ${key} changed`);
  }
  // Unknown and vendor keywords (x-*): the model reads them too when they carry text.
  const others = new Set([...Object.keys(base), ...Object.keys(head)].filter((k) => !HANDLED.has(k)));
  for (const key of others) {
    const b = Object.hasOwn(base, key) ? base[key] : undefined;
    const h = Object.hasOwn(head, key) ? head[key] : undefined;
    if (same(b, h)) continue;
    (holdsString(b) || holdsString(h) ? out.text : out.other).push(`${at}: ${key} changed`);
  }
}

type KeywordRule = (at: string, base: Json, head: Json, out: SchemaChange) => void;

/** Every keyword family, in the order its reasons are listed. */
const KEYWORD_RULES: readonly KeywordRule[] = [
  compareTypes,
  (at, base, head, out) => compareEnum(at, 'enum', base, head, out),
  (at, base, head, out) => compareEnum(at, 'const', base, head, out),
  compareBounds,
  compareOpaque,
  compareProperties,
  (at, base, head, out) => {
    for (const key of OPEN_SLOTS) compareOpenSlot(at, key, base, head, out);
    for (const key of SCHEMA_MAPS) compareSchemaMap(at, key, base, head, out);
    compareDependencies(at, 'dependentRequired', base, head, out);
    compareDependencies(at, 'dependencies', base, head, out);
  },
  compareAlternatives,
  compareItems,
  compareConditional,
  (at, base, head, out) => {
    for (const key of SUBSCHEMAS) compareSubschema(at, key, base, head, out);
  },
  compareText,
];

/**
 * Classify the change from one JSON Schema to another, recursively through every subschema keyword
 * (properties, items/prefixItems, additionalProperties and its kin, patternProperties, dependentSchemas,
 * $defs, anyOf/oneOf/allOf, if/then/else, contains, propertyNames). `at` is a readable location prefix for
 * the reasons. Changes whose effect cannot be ordered count as broadening (never fail open). A text change
 * is any change of a string the model reads; at the top level (no `out`), a change of model-visible strings
 * that neither broadens nor is already a text change (a property or enum value removed) is added as text,
 * so every such change is critical for input schemas. Pure; never throws on odd schemas. Callers bound the
 * depth (docs/limits.md): this recurses once per schema level.
 */
export function compareSchemas(at: string, base: unknown, head: unknown, out?: SchemaChange): SchemaChange {
  const result = out ?? { broadened: [], narrowed: [], text: [], other: [] };
  if (same(base, head)) return result;
  // Boolean schemas: true accepts anything, false nothing.
  if (!isObject(base) || !isObject(head)) {
    if (base === true || head === false) result.narrowed.push(`${at}: schema replaced by ${show(head)}`);
    else result.broadened.push(`${at}: schema replaced by ${show(head)}`);
  } else {
    for (const rule of KEYWORD_RULES) rule(at, base, head, result);
  }
  if (out === undefined && result.text.length === 0 && result.broadened.length === 0) {
    result.text.push(...modelVisibleStringChanges(at, base, head));
  }
  return result;
}
