import type { Environment, ParseResult } from '@marcbachmann/cel-js';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { formatPath } from '../lockfile/index.js';
import { CapsealError, errorMessage } from '../shared/index.js';
import { DEFAULT_POLICY_LIMITS, type PolicyLimits } from './budget.js';
import type { DetectorSet } from './detector-functions.js';
import { createEnvironments, type Scope } from './environment.js';
import type { AtrRuleSet } from './functions/atr.js';
import { type Pack, type PackRule, PackSchema } from './pack.js';
import { unsafeRegexReason } from './regex-safety.js';
import type { RuleSeverity } from './types.js';

/** One pack as read from disk (or given inline): where it came from, and its YAML text. */
export interface PackSource {
  origin: string;
  text: string;
  /** The Agent Threat Rules, attached by readPacks when the pack calls atr*() functions. */
  atr?: AtrRuleSet;
}

const USES_ATR = /\batrMatch(es)?\s*\(/;

/** A message template: literal text and compiled `{{ CEL }}` placeholders, alternating. */
export type MessagePart = string | ParseResult;

export interface CompiledRule {
  pack: string;
  id: string;
  description: string;
  severity: RuleSeverity;
  scope: Scope;
  references: string[];
  deny: ParseResult;
  message: MessagePart[];
  /** True when the rule (or its message) reads `call`: it runs only at request time (proxy). */
  callTime: boolean;
  /** True when the rule reads `result`: it runs only on what servers return (proxy, scanResult). */
  resultTime: boolean;
  /** What a result-time rule does to a result it fires on. */
  action: 'audit' | 'redact' | 'block';
  /** For action redact: CEL list<string> of the spans to cut out. */
  spans?: ParseResult;
  /** Extension methods the rule governs (call-time rules only): the proxy lets exactly these through. */
  methods: string[];
}

/** Packs compiled once; evaluate many times. Opaque to callers besides the fields documented here. */
export interface CompiledPolicy {
  packs: { name: string; description: string; origin: string }[];
  rules: CompiledRule[];
  limits: PolicyLimits;
}

interface AstLike {
  op: string;
  args: unknown;
  range?: { start: number; end: number };
  start?: number;
}

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

function isAst(v: unknown): v is AstLike {
  return v !== null && typeof v === 'object' && typeof (v as { op?: unknown }).op === 'string';
}

function children(node: AstLike): unknown[] {
  const a = node.args;
  return Array.isArray(a) ? a : [a];
}

function walkAst(v: unknown, visit: (node: AstLike, depth: number) => void, depth = 0): void {
  if (Array.isArray(v)) {
    for (const x of v) walkAst(x, visit, depth);
    return;
  }
  if (!isAst(v)) return;
  visit(v, depth);
  if (v.op === 'rcall' && Array.isArray(v.args) && MACROS.has(v.args[0] as string)) {
    walkAst(v.args[1], visit, depth);
    walkAst(v.args[2], visit, depth + 1);
    return;
  }
  for (const c of children(v)) walkAst(c, visit, depth);
}

interface StaticFacts {
  usesCall: boolean;
  usesResult: boolean;
  problems: { message: string; offset: number }[];
}

/** Static checks cel-js does not do: comprehension nesting and regexes that could backtrack forever. */
function inspectAst(ast: unknown, limits: PolicyLimits): StaticFacts {
  const facts: StaticFacts = { usesCall: false, usesResult: false, problems: [] };
  walkAst(ast, (node, depth) => {
    const offset = node.range?.start ?? node.start ?? 0;
    if (node.op === 'id' && node.args === 'call') facts.usesCall = true;
    if (node.op === 'id' && node.args === 'result') facts.usesResult = true;
    if (depth + 1 > limits.maxComprehensionDepth && node.op === 'rcall') {
      const name = Array.isArray(node.args) ? node.args[0] : '';
      if (MACROS.has(name as string)) {
        facts.problems.push({
          message: `comprehensions nested deeper than ${limits.maxComprehensionDepth} levels`,
          offset,
        });
      }
    }
    const isMatches =
      (node.op === 'rcall' && Array.isArray(node.args) && node.args[0] === 'matches') ||
      (node.op === 'call' && Array.isArray(node.args) && node.args[0] === 'matches');
    if (isMatches && Array.isArray(node.args)) {
      const callArgs = (node.op === 'rcall' ? node.args[2] : node.args[1]) as unknown[];
      const pattern = callArgs.at(-1);
      if (!isAst(pattern) || pattern.op !== 'value' || typeof pattern.args !== 'string') {
        facts.problems.push({
          message: 'matches() needs a string literal pattern (checked for safety at load)',
          offset,
        });
      } else {
        const reason = unsafeRegexReason(pattern.args);
        if (reason !== '')
          facts.problems.push({ message: `unsafe regex ${JSON.stringify(pattern.args)}: ${reason}`, offset });
      }
    }
  });
  return facts;
}

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${col}`;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).trim();
}

const PLACEHOLDER = /\{\{([\s\S]*?)\}\}/g;

interface Located {
  origin: string;
  yamlLine: (path: (string | number)[]) => number | undefined;
}

function compileExpression(
  env: Environment,
  expression: string,
  where: string,
  limits: PolicyLimits,
  problems: string[],
  wantBool: boolean,
): { parsed: ParseResult; usesCall: boolean; usesResult: boolean } | undefined {
  if (expression.length > limits.maxExpressionLength) {
    problems.push(`${where}: expression longer than ${limits.maxExpressionLength} characters`);
    return undefined;
  }
  let parsed: ParseResult;
  try {
    parsed = env.parse(expression);
  } catch (error) {
    const range = (error as { range?: { start: number } }).range;
    const at = range ? ` (${lineCol(expression, range.start)} of the expression)` : '';
    problems.push(`${where}: syntax error${at}: ${firstLine(errorMessage(error))}`);
    return undefined;
  }
  const checked = parsed.check();
  if (!checked.valid) {
    const error = checked.error;
    const at = error?.range ? ` (${lineCol(expression, error.range.start)} of the expression)` : '';
    const text = firstLine(error?.message ?? 'invalid expression');
    const unknown = /Unknown variable: (tool|prompt|resource|template|change)\b/.exec(text);
    const hint = unknown
      ? ` (\`${unknown[1]}\` is bound only in rules with scope: ${unknown[1] === 'change' ? 'drift' : unknown[1]})`
      : '';
    problems.push(`${where}: type error${at}: ${text}${hint}`);
    return undefined;
  }
  if (wantBool && checked.type !== 'bool' && checked.type !== 'dyn') {
    problems.push(`${where}: must be a bool expression (true = violation), but it is ${checked.type}`);
    return undefined;
  }
  const facts = inspectAst(parsed.ast, limits);
  for (const p of facts.problems)
    problems.push(`${where}: ${p.message} (${lineCol(expression, p.offset)} of the expression)`);
  return facts.problems.length > 0
    ? undefined
    : { parsed, usesCall: facts.usesCall, usesResult: facts.usesResult };
}

function compileRule(
  pack: Pack,
  rule: PackRule,
  index: number,
  env: Environment,
  loc: Located,
  limits: PolicyLimits,
  problems: string[],
): CompiledRule | undefined {
  const line = (field: string) => {
    const l = loc.yamlLine(['rules', index, field]);
    return l === undefined ? '' : ` (line ${l})`;
  };
  const where = (field: string) =>
    `${loc.origin}: ${formatPath(['rules', index])} "${rule.id}" ${field}${line(field)}`;
  const deny = compileExpression(env, rule.deny, where('deny'), limits, problems, true);
  const message: MessagePart[] = [];
  let messageUsesCall = false;
  let messageUsesResult = false;
  let last = 0;
  let ok = deny !== undefined;
  for (const m of rule.message.matchAll(PLACEHOLDER)) {
    message.push(rule.message.slice(last, m.index));
    const compiled = compileExpression(
      env,
      (m[1] as string).trim(),
      where('message'),
      limits,
      problems,
      false,
    );
    if (compiled === undefined) ok = false;
    else {
      message.push(compiled.parsed);
      messageUsesCall ||= compiled.usesCall;
      messageUsesResult ||= compiled.usesResult;
    }
    last = m.index + m[0].length;
  }
  message.push(rule.message.slice(last));
  if (!ok || deny === undefined) return undefined;
  const callTime = deny.usesCall || messageUsesCall;
  const resultTime = deny.usesResult || messageUsesResult;
  if ((callTime || resultTime) && rule.scope !== 'server') {
    problems.push(
      `${where('scope')}: rules that read \`${callTime ? 'call' : 'result'}\` run per message and must use scope: server`,
    );
    return undefined;
  }
  if (!resultTime && (rule.action !== undefined || rule.spans !== undefined)) {
    problems.push(`${where('action')}: action and spans apply only to rules that read \`result\``);
    return undefined;
  }
  const action = rule.action ?? 'audit';
  if ((action === 'redact') !== (rule.spans !== undefined)) {
    problems.push(`${where('spans')}: action redact needs spans (and spans need action redact)`);
    return undefined;
  }
  const spans =
    rule.spans === undefined
      ? undefined
      : compileExpression(env, rule.spans, where('spans'), limits, problems, false);
  if (rule.spans !== undefined && spans === undefined) return undefined;
  if (rule.methods !== undefined && !callTime) {
    problems.push(`${where('methods')}: a rule that lists methods must read \`call\` (it decides each call)`);
    return undefined;
  }
  return {
    pack: pack.name,
    id: rule.id,
    description: rule.description,
    severity: rule.severity,
    scope: rule.scope,
    references: rule.references ?? [],
    deny: deny.parsed,
    message,
    callTime,
    resultTime,
    action,
    ...(spans === undefined ? {} : { spans: spans.parsed }),
    methods: rule.methods ?? [],
  };
}

/**
 * Parse, validate (strict zod) and compile every rule of every pack, once. All problems of all packs are
 * collected (pack, rule id, YAML line, position in the expression) and thrown together as INVALID_INPUT
 * (exit 2) before anything is evaluated. Also rejects duplicate pack names and duplicate rule ids.
 */
export function compilePacks(
  packs: PackSource[],
  options: { limits?: Partial<PolicyLimits> } = {},
): CompiledPolicy {
  const limits: PolicyLimits = { ...DEFAULT_POLICY_LIMITS, ...options.limits };
  const detectors: DetectorSet = {};
  for (const source of packs) detectors.atr ??= source.atr;
  const envs = createEnvironments(detectors);
  const problems: string[] = [];
  const rules: CompiledRule[] = [];
  const seenPacks = new Map<string, string>();
  const meta: CompiledPolicy['packs'] = [];
  for (const source of packs) {
    const lineCounter = new LineCounter();
    const doc = parseDocument(source.text, { lineCounter, prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = e.linePos?.[0];
        problems.push(
          `${source.origin}${pos ? `:${pos.line}:${pos.col}` : ''}: YAML: ${firstLine(e.message).replace(/ at line \d+, column \d+:?$/, '')}`,
        );
      }
      continue;
    }
    const yamlLine = (path: (string | number)[]) => {
      let node: unknown = doc.contents;
      for (const key of path) {
        if (isMap(node)) node = node.get(key, true);
        else if (isSeq(node)) node = node.get(key as number, true);
        else return undefined;
      }
      const range = (node as YamlNode | undefined)?.range;
      return range ? lineCounter.linePos(range[0]).line : undefined;
    };
    const raw = doc.toJS();
    if (raw !== null && typeof raw === 'object' && Array.isArray((raw as { rules?: unknown }).rules)) {
      (raw as { rules: unknown[] }).rules.forEach((r, i) => {
        if (r !== null && typeof r === 'object' && 'expr' in r) {
          problems.push(
            `${source.origin}: ${formatPath(['rules', i])}: "expr" is not supported; use "deny" (a CEL expression that is true when the rule is violated)`,
          );
        }
      });
    }
    const parsed = PackSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const l = yamlLine(issue.path as (string | number)[]);
        problems.push(
          `${source.origin}: ${formatPath(issue.path)}${l ? ` (line ${l})` : ''}: ${issue.message}`,
        );
      }
      continue;
    }
    const pack = parsed.data;
    const previous = seenPacks.get(pack.name);
    if (previous !== undefined) {
      problems.push(`${source.origin}: pack name "${pack.name}" is already used by ${previous}`);
      continue;
    }
    if (detectors.atr === undefined && USES_ATR.test(source.text)) {
      problems.push(
        `${source.origin}: calls atrMatch()/atrMatches() but no Agent Threat Rules were loaded (read the pack with readPacks)`,
      );
      continue;
    }
    seenPacks.set(pack.name, source.origin);
    meta.push({ name: pack.name, description: pack.description, origin: source.origin });
    const ids = new Set<string>();
    pack.rules.forEach((rule, index) => {
      if (ids.has(rule.id)) {
        problems.push(`${source.origin}: ${formatPath(['rules', index])}: duplicate rule id "${rule.id}"`);
        return;
      }
      ids.add(rule.id);
      const compiled = compileRule(
        pack,
        rule,
        index,
        envs[rule.scope],
        { origin: source.origin, yamlLine },
        limits,
        problems,
      );
      if (compiled) rules.push(compiled);
    });
  }
  if (problems.length > 0) {
    throw new CapsealError('INVALID_INPUT', `invalid policy pack${packs.length === 1 ? '' : 's'}`, {
      details: problems,
    });
  }
  return { packs: meta, rules, limits };
}
