// The JSON Schema keywords compareSchemas knows, grouped by how a change of each is judged.

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Upper bounds: dropping or raising one broadens; adding or lowering one narrows. */
export const UPPER = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties', 'maxContains'];
/** Lower bounds: dropping or lowering one broadens; adding or raising one narrows. */
export const LOWER = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties', 'minContains'];
/** Constraints whose presence restricts and whose values cannot be ordered: any change is a loosening risk. */
export const OPAQUE = ['pattern', 'format', 'contentEncoding', 'contentMediaType', 'multipleOf'];
/**
 * Keywords that change what the other keywords mean or point at: what they resolve to cannot be compared
 * here, so any change counts as broadening (a `$ref` swapped for another, a `$schema` that turns draft-04
 * boolean exclusiveMaximum into a number, an `$id` that re-bases every relative `$ref`).
 */
export const REFERENCES = [
  '$ref',
  '$dynamicRef',
  '$recursiveRef',
  '$schema',
  '$id',
  '$anchor',
  '$dynamicAnchor',
  '$recursiveAnchor',
  '$vocabulary',
  'id',
];
/** Prose the model reads: any change is a text change, whatever the value's type. */
export const PROSE = [
  'description',
  'title',
  '$comment',
  'markdownDescription',
  'deprecationMessage',
  'errorMessage',
];
/** Annotations: a text change when a string is involved (`"default": "utf8"`), otherwise `other`. */
export const ANNOTATIONS = ['examples', 'default', 'example', 'enumDescriptions', 'markdownEnumDescriptions'];
/** Keywords holding one subschema whose absence means "anything" (open) and `false` means "nothing". */
export const OPEN_SLOTS = [
  'additionalProperties',
  'unevaluatedProperties',
  'additionalItems',
  'unevaluatedItems',
];
/** Maps of name → subschema. */
export const SCHEMA_MAPS = ['patternProperties', 'dependentSchemas', '$defs', 'definitions'];
/** Keywords holding one subschema that constrains (absent = no constraint). */
export const SUBSCHEMAS = ['contains', 'propertyNames', 'then', 'else'];

export const HANDLED = new Set([
  ...UPPER,
  ...LOWER,
  ...OPAQUE,
  ...REFERENCES,
  ...PROSE,
  ...ANNOTATIONS,
  ...OPEN_SLOTS,
  ...SCHEMA_MAPS,
  ...SUBSCHEMAS,
  'type',
  'properties',
  'required',
  'enum',
  'const',
  'items',
  'prefixItems',
  'anyOf',
  'oneOf',
  'allOf',
  'uniqueItems',
  'not',
  'if',
  'dependentRequired',
  'dependencies',
  'nullable',
]);
/** Keys whose string values are assertion vocabulary, judged by what they accept rather than as text. */
export const VOCABULARY = new Set([
  'type',
  'required',
  'dependentRequired',
  'pattern',
  'format',
  ...REFERENCES,
]);
/** Keys whose own keys are names (property names, definition names) the model reads; pattern keys are not. */
export const NAMED = new Set(['properties', 'dependentSchemas', 'dependencies', '$defs', 'definitions']);
