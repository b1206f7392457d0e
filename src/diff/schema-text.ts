import { quote } from './compare.js';
import { isObject, NAMED, VOCABULARY } from './schema-keywords.js';

// The strings of a schema a model reads, whatever keyword holds them.

/** True when a JSON value holds a string anywhere (iterative: values are depth-bounded but may be wide). */
export function holdsString(value: unknown): boolean {
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') return true;
    if (v !== null && typeof v === 'object') stack.push(...Object.values(v));
  }
  return false;
}

/**
 * Every string a model reads in a schema, as a sorted multiset: string values anywhere (descriptions,
 * enum and const values, defaults, examples, vendor keywords…) and the names of properties and
 * definitions; not the assertion vocabulary (type names, required, patterns, formats, references), whose
 * changes are judged by what they accept. Iterative.
 */
export function modelVisibleStrings(schema: unknown): string[] {
  const out: string[] = [];
  const stack: { value: unknown; named: boolean }[] = [{ value: schema, named: false }];
  while (stack.length > 0) {
    const { value, named } = stack.pop() as { value: unknown; named: boolean };
    if (typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) for (const v of value) stack.push({ value: v, named: false });
    else if (isObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (named) {
          out.push(k);
          stack.push({ value: v, named: false });
        } else if (!VOCABULARY.has(k)) stack.push({ value: v, named: NAMED.has(k) && isObject(v) });
      }
    }
  }
  return out.sort();
}

/** The model-visible strings that one schema has and the other has not, as reasons (`[]` when none). */
export function modelVisibleStringChanges(at: string, base: unknown, head: unknown): string[] {
  const count = (list: string[]) => {
    const m = new Map<string, number>();
    for (const s of list) m.set(s, (m.get(s) ?? 0) + 1);
    return m;
  };
  const b = count(modelVisibleStrings(base));
  const h = count(modelVisibleStrings(head));
  const excerpt = (s: string) => quote(s.length > 60 ? `${s.slice(0, 60)}…` : s);
  const added = [...h].filter(([s, n]) => n > (b.get(s) ?? 0)).map(([s]) => excerpt(s));
  const removed = [...b].filter(([s, n]) => n > (h.get(s) ?? 0)).map(([s]) => excerpt(s));
  const reasons: string[] = [];
  if (added.length > 0) reasons.push(`${at}: model-visible text added: ${added.join(', ')}`);
  if (removed.length > 0) reasons.push(`${at}: model-visible text removed: ${removed.join(', ')}`);
  return reasons;
}
