import { z } from 'zod';
import { type Drift, SEVERITIES, type Severity } from '../diff/index.js';
import type { RuleSeverity, Verdict } from '../policy/index.js';

/** Version of the JSON report shape; bumped on any incompatible change. */
export const REPORT_SCHEMA_VERSION = 1 as const;

export const DriftSchema = z
  .object({
    server: z.string(),
    kind: z.string().describe('Stable rule name, e.g. tool.description.changed (docs: drift kinds)'),
    severity: z.enum(SEVERITIES),
    subject: z.enum(['server', 'tool', 'prompt', 'resource', 'resourceTemplate']),
    key: z.string().optional().describe('Entry key (tool name, prompt name, resource URI, template)'),
    path: z.string().describe('Lockfile path, e.g. servers.demo.tools.echo.description'),
    message: z.string(),
    before: z.unknown().optional(),
    after: z.unknown().optional(),
    details: z.array(z.string()).optional(),
  })
  .describe('One difference between the locked and the observed capability surface');

export const VerdictSchema = z
  .object({
    pack: z.string(),
    rule: z.string(),
    severity: z.enum(['error', 'warning', 'info']),
    message: z.string(),
    server: z.string(),
    subject: z.string().optional(),
    path: z.string().optional(),
    references: z.array(z.string()).optional(),
    evaluationError: z.boolean().optional(),
  })
  .describe('One policy rule finding (a violation); only `error` fails the gate');

export const CountsSchema = z.strictObject({
  critical: z.number().int(),
  moderate: z.number().int(),
  info: z.number().int(),
  policyErrors: z.number().int(),
  policyWarnings: z.number().int(),
  policyInfo: z.number().int(),
});

export const ReportSchema = z
  .strictObject({
    schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
    kind: z.enum(['check', 'diff', 'policy']),
    lockfile: z.string().describe('The lockfile the report is about (for diff: the new one)'),
    base: z.string().optional().describe('diff only: the old lockfile'),
    servers: z.array(z.string()).describe('Names of the servers compared'),
    failOn: z.enum(SEVERITIES),
    outcome: z.enum(['pass', 'fail']),
    counts: CountsSchema,
    drifts: z.array(DriftSchema),
    verdicts: z.array(VerdictSchema),
  })
  .describe('capseal check/diff/policy result, as printed by --format json');

export type Report = z.infer<typeof ReportSchema>;
export type ReportKind = Report['kind'];
export type Outcome = Report['outcome'];
export type Counts = Report['counts'];

// Compile-time proof that the schemas accept what the core produces.
type Assert<T extends true> = T;
export type _DriftFits = Assert<Drift extends z.input<typeof DriftSchema> ? true : false>;
export type _VerdictFits = Assert<Verdict extends z.input<typeof VerdictSchema> ? true : false>;

export type { Drift, RuleSeverity, Severity, Verdict };
