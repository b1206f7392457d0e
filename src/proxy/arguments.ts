import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { errorMessage } from '../shared/index.js';

/** One argument problem, as the host receives it in `data.errors`. */
export interface ArgumentError {
  /** JSON Pointer into the arguments (`""` for the arguments object itself). */
  path: string;
  message: string;
}

/** At most this many validation errors go into a block's `data.errors`. */
const MAX_ERRORS = 5;

type Compiled = { ok: true; validate: ValidateFunction } | { ok: false; reason: string };

const OPTIONS = { strict: false, allErrors: false, validateFormats: false, logger: false } as const;

/**
 * A validator for one schema, for the dialect its `$schema` names: 2020-12 (also the default, as MCP
 * specifies), 2019-09, draft-07 and draft-06 (as draft-07). Each schema gets its own Ajv instance, so `$id`s of
 * different tools never collide. A schema that does not compile (another dialect such as draft-04, a
 * broken `$ref`, nesting too deep to compile) yields a reason, and every call against it is refused.
 */
function compileSchema(schema: Record<string, unknown>): Compiled {
  const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
  try {
    let ajv: Ajv | Ajv2019 | Ajv2020;
    if (dialect === '' || dialect.includes('2020-12')) ajv = new Ajv2020(OPTIONS);
    else if (dialect.includes('2019-09')) ajv = new Ajv2019(OPTIONS);
    else if (dialect.includes('draft-07')) ajv = new Ajv(OPTIONS);
    else if (dialect.includes('draft-06')) {
      // Draft-06 is draft-07 minus if/then/else and a few annotations: validated as draft-07.
      const { $schema: _draft06, ...rest } = schema;
      return { ok: true, validate: new Ajv(OPTIONS).compile(rest) };
    } else return { ok: false, reason: `JSON Schema dialect ${dialect} is not supported` };
    return { ok: true, validate: ajv.compile(schema) };
  } catch (error) {
    return { ok: false, reason: `the locked inputSchema does not compile: ${errorMessage(error)}` };
  }
}

function toErrors(errors: ErrorObject[] | null | undefined): ArgumentError[] {
  return (errors ?? []).slice(0, MAX_ERRORS).map((e) => ({
    path: e.instancePath,
    message: `${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty)})` : ''}`,
  }));
}

/**
 * Validates call arguments against locked entries: tools against their `inputSchema` (compiled once per
 * locked digest, on first use, then reused), prompts against their declared arguments. Returns the first
 * errors, or undefined when the arguments are valid.
 */
export class ArgumentValidator {
  private readonly tools = new Map<string, Compiled>();

  tool(
    entry: { digest: string; inputSchema: Record<string, unknown> },
    args: unknown,
  ): ArgumentError[] | undefined {
    let compiled = this.tools.get(entry.digest);
    if (compiled === undefined) {
      compiled = compileSchema(entry.inputSchema);
      this.tools.set(entry.digest, compiled);
    }
    if (!compiled.ok) return [{ path: '', message: compiled.reason }];
    return compiled.validate(args) ? undefined : toErrors(compiled.validate.errors);
  }

  /** Prompt arguments: an object of strings, every required one present, no name the prompt does not declare. */
  prompt(
    entry: { arguments?: { name: string; required?: boolean }[] },
    args: unknown,
  ): ArgumentError[] | undefined {
    if (args === undefined) args = {};
    if (typeof args !== 'object' || args === null || Array.isArray(args))
      return [{ path: '', message: 'must be an object' }];
    const declared = entry.arguments ?? [];
    const errors: ArgumentError[] = [];
    for (const a of declared) {
      if (a.required === true && !Object.hasOwn(args, a.name))
        errors.push({ path: '', message: `must have required argument '${a.name}'` });
    }
    for (const [name, value] of Object.entries(args)) {
      if (!declared.some((a) => a.name === name))
        errors.push({ path: `/${escapePointer(name)}`, message: 'is not an argument of this prompt' });
      else if (typeof value !== 'string')
        errors.push({ path: `/${escapePointer(name)}`, message: 'must be string' });
    }
    return errors.length === 0 ? undefined : errors.slice(0, MAX_ERRORS);
  }
}

function escapePointer(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}
