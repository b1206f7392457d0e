import { z } from 'zod';
import { unsafeRegexReason } from '../regex-safety.js';
import { activePatterns, buildPrefilter, type Prefilter } from './atr-prefilter.js';

/**
 * The second detector: Agent Threat Rules (ATR, npm `agent-threat-rules`, MIT), a maintained corpus of
 * detection rules for agent threats, each a YAML document with regex conditions and its own
 * true-positive / true-negative / evasion test cases. The shell (src/policy/io/read-atr-rules.ts) reads the
 * selected rule files of the pinned package; this module validates them, compiles their `regex`
 * conditions once and matches text against them. Semantics follow the ATR spec for pattern rules: the
 * leading inline flag group (`(?i)`) is dropped and every pattern runs case-insensitively; a rule fires when
 * any (or, for `condition: all`, every) of its conditions matches. capseal feeds each rule the normalized
 * text views (see normalize.ts) instead of ATR's own NFKC pass, so both detectors see the same
 * de-obfuscated text. Patterns our regex-safety check rejects (exponential or polynomial backtracking) never
 * run: such a condition is left out of an `any` rule and listed in `skipped`; an `all` rule with one is a
 * problem.
 */

/** Where an ATR rule runs: over tool/prompt/resource definitions (lock time), results (run time), or both. */
export type AtrTarget = 'definition' | 'content';

const ConditionSchema = z.looseObject({
  field: z.string(),
  operator: z.string(),
  value: z.unknown(),
});

/** The subset of the ATR rule schema (spec/atr-schema.yaml) capseal reads; other fields are ignored. */
export const AtrRuleDataSchema = z.looseObject({
  id: z.string().regex(/^ATR-\d{4}-\d{5}$/),
  title: z.string(),
  severity: z.string(),
  status: z.string().optional(),
  tags: z.looseObject({ category: z.string().optional() }).optional(),
  detection: z.looseObject({
    condition: z.string().optional(),
    conditions: z.array(ConditionSchema).min(1),
  }),
});

/** One selected rule file as the shell hands it over: where it runs and its parsed YAML. */
export interface AtrRuleSource {
  file: string;
  targets: readonly AtrTarget[];
  data: unknown;
}

export interface CompiledAtrRule {
  id: string;
  title: string;
  severity: string;
  category: string;
  targets: readonly AtrTarget[];
  all: boolean;
  patterns: RegExp[];
  /** Index of the rule's first pattern in the set's prefilter. */
  first: number;
}

/** Compiled ATR rules, ready to match. Opaque apart from the fields documented here. */
export interface AtrRuleSet {
  rules: CompiledAtrRule[];
  /** Version of the agent-threat-rules package the rules came from. */
  version: string;
  /** Conditions left out because their pattern could backtrack badly (rule id, index, reason). */
  skipped: string[];
  /** Which patterns can match a text at all (see atr-prefilter.ts): most rules are skipped on most text. */
  filter: Prefilter;
}

/** A match: the rule and the matched text (at most 120 characters). */
export interface AtrHit {
  id: string;
  title: string;
  severity: string;
  category: string;
  evidence: string;
}

const INLINE_FLAGS = /^\(\?[imsx]+\)/;

/**
 * Validate and compile the selected rules. Every problem (schema, a non-regex operator, an unsafe or
 * invalid pattern, a deprecated/draft rule) is collected and returned; a caller that gets problems must
 * not run with a partial set (the shell turns them into an INTERNAL error: the pinned package changed).
 */
export function compileAtrRules(
  sources: readonly AtrRuleSource[],
  version: string,
): { set: AtrRuleSet; problems: string[] } {
  const problems: string[] = [];
  const skipped: string[] = [];
  const rules: CompiledAtrRule[] = [];
  const bodies: string[] = [];
  for (const source of sources) {
    const parsed = AtrRuleDataSchema.safeParse(source.data);
    if (!parsed.success) {
      problems.push(
        `${source.file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
      continue;
    }
    const rule = parsed.data;
    if (rule.status === 'deprecated' || rule.status === 'draft') {
      problems.push(`${source.file}: ${rule.id} is ${rule.status}`);
      continue;
    }
    const patterns: RegExp[] = [];
    const kept: string[] = [];
    let broken = false;
    for (const [i, c] of rule.detection.conditions.entries()) {
      if (c.operator !== 'regex' || typeof c.value !== 'string') {
        problems.push(`${source.file}: condition ${i} is not a regex condition`);
        continue;
      }
      const body = c.value.replace(INLINE_FLAGS, '');
      // ATR patterns are long alternations of bounded repeats: the 512-character cap for hand-written
      // CEL `matches()` does not apply, the structural (backtracking) check does.
      const reason = unsafeRegexReason(body, 8_192) || polynomialReason(body);
      if (reason !== '') {
        // An `any` rule without one unsafe alternative is still the rule, a little narrower (listed in
        // `skipped`); an `all` rule without one of its conditions would be broader, so it does not run.
        if (rule.detection.condition === 'all') {
          problems.push(`${source.file}: condition ${i}: ${reason}`);
          broken = true;
        } else skipped.push(`${rule.id} condition ${i}: ${reason}`);
        continue;
      }
      patterns.push(new RegExp(body, /\\u\{|\\p\{/.test(body) ? 'iu' : 'i'));
      kept.push(body);
    }
    if (broken) continue;
    if (patterns.length === 0) {
      problems.push(`${source.file}: ${rule.id} has no condition capseal can run`);
      continue;
    }
    rules.push({
      id: rule.id,
      title: rule.title,
      severity: rule.severity,
      category: rule.tags?.category ?? '',
      targets: source.targets,
      all: rule.detection.condition === 'all',
      patterns,
      first: bodies.length,
    });
    bodies.push(...kept);
  }
  return { set: { rules, version, skipped, filter: buildPrefilter(bodies) }, problems };
}

// Two or more unbounded wildcards (`a.*b.*c`, `[^.]*`, lazy or not) backtrack polynomially: on a 16 KB text
// that is seconds, so such patterns are refused like exponential ones.
const UNBOUNDED = /(?<!\\)\.[*+]|\[\^[^\]]*\][*+]|\[\\s\\S\][*+]/g;

function polynomialReason(body: string): string {
  return (body.match(UNBOUNDED)?.length ?? 0) >= 2
    ? 'two or more unbounded wildcards (polynomial backtracking)'
    : '';
}

/**
 * The ATR rules for `target` that fire on any of the text views (normalized first, then the raw text for
 * rules about hidden characters), each once, in rule order.
 */
export function matchAtr(set: AtrRuleSet, views: readonly string[], target: AtrTarget): AtrHit[] {
  const hits: AtrHit[] = [];
  const active = views.map((v) => activePatterns(set.filter, v));
  for (const rule of set.rules) {
    if (!rule.targets.includes(target)) continue;
    const evidence = ruleEvidence(rule, views, (p, v) => (active[v] as Uint8Array)[rule.first + p] === 1);
    if (evidence !== undefined)
      hits.push({
        id: rule.id,
        title: rule.title,
        severity: rule.severity,
        category: rule.category,
        evidence,
      });
  }
  return hits;
}

function ruleEvidence(
  rule: CompiledAtrRule,
  views: readonly string[],
  may: (pattern: number, view: number) => boolean,
): string | undefined {
  let first: string | undefined;
  for (const [p, re] of rule.patterns.entries()) {
    let found: string | undefined;
    for (const [v, view] of views.entries()) {
      if (!may(p, v)) continue;
      const m = re.exec(view);
      if (m !== null) {
        found = m[0].slice(0, 120);
        break;
      }
    }
    if (found !== undefined && !rule.all) return found;
    if (found === undefined && rule.all) return undefined;
    first ??= found;
  }
  return rule.all ? first : undefined;
}
