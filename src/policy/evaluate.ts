import type { Drift } from '../diff/index.js';
import { formatPath, type Lockfile } from '../lockfile/index.js';
import { errorMessage } from '../shared/index.js';
import { BudgetExceeded, meter } from './budget.js';
import type { CompiledPolicy, CompiledRule } from './compile.js';
import { type CelContext, SCOPES, toCelCall, toCelContext, toCelResult } from './environment.js';
import { buildPolicyInput, type PolicyInput } from './input.js';
import type { Verdict } from './types.js';

interface Subject {
  value?: object;
  subject: string;
  path: string;
}

// Typed CEL values are built once per input and reused while the same server/tools/… objects come back
// (the proxy swaps only `call`); any other change of those lists rebuilds them.
const contextCache = new WeakMap<object, { from: unknown[]; ctx: CelContext }>();

function celContextFor(input: PolicyInput): CelContext {
  const from = [input.tools, input.prompts, input.resources, input.templates, input.drift];
  const hit = contextCache.get(input.server);
  if (hit?.from.every((x, i) => x === from[i])) return hit.ctx;
  const ctx = toCelContext({ ...input, call: undefined });
  contextCache.set(input.server, { from, ctx });
  return ctx;
}

// Subjects (with their lockfile paths) are computed once per input and scope, not once per rule.
const subjectCache = new WeakMap<CelContext, Map<string, Subject[]>>();

function subjectsOf(rule: CompiledRule, input: PolicyInput, ctx: CelContext): Subject[] {
  if (rule.scope === 'server') return computeSubjects(rule, input, ctx);
  let perScope = subjectCache.get(ctx);
  if (perScope === undefined) {
    perScope = new Map();
    subjectCache.set(ctx, perScope);
  }
  const key = rule.scope;
  let subjects = perScope.get(key);
  if (subjects === undefined) {
    subjects = computeSubjects(rule, input, ctx);
    perScope.set(key, subjects);
  }
  return subjects;
}

function computeSubjects(rule: CompiledRule, input: PolicyInput, ctx: CelContext): Subject[] {
  const s = input.server.name;
  switch (rule.scope) {
    case 'server':
      if (rule.resultTime && input.result !== undefined) {
        const r = input.result;
        const kind =
          r.method === 'tools/call' ? 'tools' : r.method === 'prompts/get' ? 'prompts' : 'resources';
        return [
          { subject: `${kind.slice(0, -1)}:${r.name}`, path: formatPath(['servers', s, kind, r.name]) },
        ];
      }
      if (rule.callTime && input.call !== undefined) {
        const c = input.call;
        if (c.tool !== '')
          return [{ subject: `tool:${c.tool}`, path: formatPath(['servers', s, 'tools', c.tool]) }];
        if (c.prompt !== '')
          return [{ subject: `prompt:${c.prompt}`, path: formatPath(['servers', s, 'prompts', c.prompt]) }];
        if (c.uri !== '')
          return [{ subject: `resource:${c.uri}`, path: formatPath(['servers', s, 'resources', c.uri]) }];
        return [{ subject: `call:${c.method}`, path: formatPath(['servers', s]) }];
      }
      return [{ subject: `server:${s}`, path: formatPath(['servers', s]) }];
    case 'tool':
      return input.tools.map((t, i) => ({
        value: ctx.tools[i],
        subject: `tool:${t.name}`,
        path: formatPath(['servers', s, 'tools', t.name]),
      }));
    case 'prompt':
      return input.prompts.map((p, i) => ({
        value: ctx.prompts[i],
        subject: `prompt:${p.name}`,
        path: formatPath(['servers', s, 'prompts', p.name]),
      }));
    case 'resource':
      return input.resources.map((r, i) => ({
        value: ctx.resources[i],
        subject: `resource:${r.uri}`,
        path: formatPath(['servers', s, 'resources', r.uri]),
      }));
    case 'template':
      return input.templates.map((r, i) => ({
        value: ctx.templates[i],
        subject: `template:${r.uriTemplate}`,
        path: formatPath(['servers', s, 'resourceTemplates', r.uriTemplate]),
      }));
    case 'drift':
      return input.drift.map((d, i) => ({
        value: ctx.drift[i],
        subject: d.key === '' ? `server:${s}` : `${d.subject}:${d.key}`,
        path: d.path,
      }));
  }
}

function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return v.map(stringify).join(', ');
  if (v instanceof Map)
    return JSON.stringify(Object.fromEntries(v), (_k, x) => (typeof x === 'bigint' ? String(x) : x));
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));
  } catch {
    return String(v);
  }
}

function errorSummary(error: unknown): string {
  const message = errorMessage(error);
  return (message.split('\n')[0] ?? message).trim();
}

function renderMessage(
  rule: CompiledRule,
  vars: Record<string, unknown>,
  maxSteps: number,
  deadline: number,
  now: () => number,
): string {
  let out = '';
  for (const part of rule.message) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    meter.start(maxSteps, deadline, now);
    try {
      out += stringify(part(vars));
    } catch (error) {
      out += `<${errorSummary(error)}>`;
    } finally {
      meter.stop();
    }
  }
  return out;
}

function evaluateSpans(
  rule: CompiledRule,
  vars: Record<string, unknown>,
  maxSteps: number,
  deadline: number,
  now: () => number,
): string[] | undefined {
  meter.start(maxSteps, deadline, now);
  try {
    const out = (rule.spans as CompiledRule['deny'])(vars);
    return Array.isArray(out) && out.every((x) => typeof x === 'string') ? (out as string[]) : undefined;
  } catch {
    return undefined;
  } finally {
    meter.stop();
  }
}

function baseVerdict(rule: CompiledRule, server: string, subject: Subject): Verdict {
  const v: Verdict = {
    pack: rule.pack,
    rule: rule.id,
    severity: rule.severity,
    message: '',
    server,
    subject: subject.subject,
    path: subject.path,
  };
  if (rule.references.length > 0) v.references = rule.references;
  if (rule.resultTime) v.action = rule.action;
  return v;
}

function run(
  policy: CompiledPolicy,
  input: PolicyInput,
  rules: CompiledRule[],
  budgetMs: number,
  spans?: { rule: string; span: string }[],
): Verdict[] {
  const { limits } = policy;
  const now = limits.now;
  const deadline = now() + budgetMs;
  const ctx = celContextFor(input);
  const vars: Record<string, unknown> = { ...ctx };
  if (input.call !== undefined) vars.call = toCelCall(input.call);
  if (input.result !== undefined) vars.result = toCelResult(input.result);
  const verdicts: Verdict[] = [];
  for (const rule of rules) {
    if (now() > deadline) {
      verdicts.push({
        ...baseVerdict(rule, input.server.name, {
          subject: `server:${input.server.name}`,
          path: formatPath(['servers', input.server.name]),
        }),
        message: `rule not evaluated: the policy time budget (${budgetMs} ms) was exhausted (counted as a violation)`,
        evaluationError: true,
      });
      continue;
    }
    const variable = SCOPES[rule.scope].variable;
    for (const subject of subjectsOf(rule, input, ctx)) {
      if (variable !== undefined) vars[variable] = subject.value;
      let result: unknown;
      let failure: string | undefined;
      meter.start(limits.maxStepsPerRule, deadline, now);
      try {
        result = rule.deny(vars);
      } catch (error) {
        failure = error instanceof BudgetExceeded ? error.message : errorSummary(error);
      } finally {
        const tripped = meter.stop();
        if (tripped !== undefined) failure = tripped;
      }
      if (failure === undefined && typeof result !== 'boolean') {
        failure = `deny returned ${typeof result === 'bigint' ? 'int' : typeof result}, not bool`;
      }
      if (failure !== undefined) {
        verdicts.push({
          ...baseVerdict(rule, input.server.name, subject),
          message: `rule failed to evaluate (counted as a violation): ${failure}`,
          evaluationError: true,
        });
      } else if (result === true) {
        verdicts.push({
          ...baseVerdict(rule, input.server.name, subject),
          message: renderMessage(rule, vars, limits.maxStepsPerRule, deadline, now),
        });
        if (spans !== undefined && rule.spans !== undefined) {
          const cut = evaluateSpans(rule, vars, limits.maxStepsPerRule, deadline, now);
          if (cut === undefined) {
            // Spans that cannot be computed cannot be redacted: the result is blocked instead (fail closed).
            (verdicts.at(-1) as Verdict).evaluationError = true;
          } else for (const span of cut) spans.push({ rule: rule.id, span });
        }
      }
      if (now() > deadline) break;
    }
    if (variable !== undefined) delete vars[variable];
  }
  return verdicts;
}

/**
 * Evaluate every non-call rule against one server's input. Violations (and rules that failed to
 * evaluate: fail closed, `evaluationError: true`) come back as verdicts; a compliant input gives [].
 * Bounded by the policy's step budget per rule and time budget per call (see PolicyLimits).
 */
export function evaluatePolicy(policy: CompiledPolicy, input: PolicyInput): Verdict[] {
  return run(
    policy,
    input,
    policy.rules.filter((r) => !r.callTime && !r.resultTime),
    policy.limits.timeBudgetMs,
  );
}

/**
 * Evaluate only the call-time rules (those reading `call`) against a request. For the proxy's hot path:
 * build the input once per session and pass `{ ...input, call }` per request; the typed CEL values of
 * everything but `call` are cached per `input.server` object.
 */
export function evaluateCall(policy: CompiledPolicy, input: PolicyInput): Verdict[] {
  if (input.call === undefined) return [];
  return run(
    policy,
    input,
    policy.rules.filter((r) => r.callTime && !r.resultTime),
    policy.limits.callTimeBudgetMs,
  );
}

/**
 * Evaluate the rules that read `result` against one server reply (input.result set; `call` may be set
 * too), within the call-time budget. Returns the verdicts (each with its rule's action) and, for rules
 * with action redact, the spans their `spans` expression named. See content.ts scanResult.
 */
export function evaluateResultRules(
  policy: CompiledPolicy,
  input: PolicyInput,
): { verdicts: Verdict[]; spans: { rule: string; span: string }[] } {
  if (input.result === undefined) return { verdicts: [], spans: [] };
  const spans: { rule: string; span: string }[] = [];
  const verdicts = run(
    policy,
    input,
    policy.rules.filter((r) => r.resultTime),
    policy.limits.callTimeBudgetMs,
    spans,
  );
  return { verdicts, spans };
}

/** True when the policy has rules that read `result` (the proxy needs to scan each reply). */
export function hasResultRules(policy: CompiledPolicy): boolean {
  return policy.rules.some((r) => r.resultTime);
}

/** The extension methods the policy's call-time rules name (`methods:`): the proxy forwards only these. */
export function extensionMethods(policy: CompiledPolicy): string[] {
  return [...new Set(policy.rules.flatMap((r) => (r.callTime ? r.methods : [])))].sort();
}

/** True when the policy has call-time rules (the proxy needs to evaluate each request). */
export function hasCallRules(policy: CompiledPolicy): boolean {
  return policy.rules.some((r) => r.callTime && !r.resultTime);
}

/** Evaluate every server of a lockfile (sorted by name), with the drifts of each server if given. */
export function evaluateLock(policy: CompiledPolicy, lock: Lockfile, drifts: Drift[] = []): Verdict[] {
  const names = Object.keys(lock.servers).sort();
  return names.flatMap((name) => {
    const entry = lock.servers[name];
    return entry === undefined
      ? []
      : evaluatePolicy(policy, buildPolicyInput({ name, entry, drifts, servers: lock.servers }));
  });
}
