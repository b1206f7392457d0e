import { z } from 'zod';

/**
 * The policy pack format (YAML). Convention: a rule's `deny` is a CEL expression that is TRUE WHEN THE
 * RULE IS VIOLATED. `scope` says what the rule is evaluated against: once per server (default), or once
 * per tool / prompt / resource / template / drift entry with that entry bound to `tool`, `prompt`,
 * `resource`, `template` or `change`, so each violation names its subject and lockfile path.
 */
export const RuleSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be kebab-case (lowercase letters, digits, -)')
    .describe('Stable rule id, unique within the pack'),
  description: z.string().min(1).describe('What the rule protects against'),
  severity: z.enum(['error', 'warning', 'info']).describe('Only error makes the gate say no (exit 1)'),
  scope: z
    .enum(['server', 'tool', 'prompt', 'resource', 'template', 'drift'])
    .default('server')
    .describe(
      'Evaluate once per server, or once per entry with it bound to tool/prompt/resource/template/change',
    ),
  deny: z.string().min(1).describe('CEL, true = violation'),
  message: z
    .string()
    .min(1)
    .describe('Shown for each violation; {{ CEL }} placeholders are evaluated against the same variables'),
  action: z
    .enum(['audit', 'redact', 'block'])
    .optional()
    .describe(
      'Rules that read `result` only: audit (report, forward unchanged; default), redact (replace the `spans` in the ' +
        'result), or block (the client gets the blocked error, kind content)',
    ),
  spans: z
    .string()
    .min(1)
    .optional()
    .describe('For action: redact, CEL list<string>: the offending spans to cut out of the result texts'),
  references: z
    .array(z.string().min(1))
    .optional()
    .describe('OWASP LLM Top 10 / NIST AI RMF / SP 800-53 ids the rule maps to'),
});

export const PackSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be kebab-case'),
  description: z.string().min(1),
  rules: z.array(RuleSchema).min(1),
});

export type PackRule = z.infer<typeof RuleSchema>;
export type Pack = z.infer<typeof PackSchema>;
