import type { CompiledPolicy } from './compile.js';
import { evaluateResultRules } from './evaluate.js';
import type { PolicyInput, PolicyResult } from './input.js';
import type { Verdict } from './types.js';

/**
 * Runtime content scanning, the pure part. What a server returns is read the way a rule reads a
 * definition: `extractResult` turns a tools/call, prompts/get or resources/read result into the `result`
 * of the policy input (every text the model will read, bounded), `scanResult` evaluates the rules that
 * read `result` and folds their actions into one decision, and `redactResult` cuts spans out of the
 * original result. Cost is bounded: at most MAX_RESULT_CHARS characters of a result are scanned (each text
 * at most MAX_SCAN_CHARS), the rest is forwarded unscanned with `truncated: true` for rules to act on.
 */

/** Characters of one result the scanner reads (64 KB); `result.truncated` says when there was more. */
export const MAX_RESULT_CHARS = 65_536;

export type ResultMethod = PolicyResult['method'];

function collect(
  value: unknown,
  out: string[],
  budget: { left: number; truncated: boolean },
  depth = 0,
): void {
  if (depth > 32) return;
  if (typeof value === 'string') {
    if (value === '') return;
    if (budget.left <= 0) {
      budget.truncated = true;
      return;
    }
    out.push(value.length > budget.left ? value.slice(0, budget.left) : value);
    if (value.length > budget.left) budget.truncated = true;
    budget.left -= value.length;
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, out, budget, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) collect(v, out, budget, depth + 1);
  }
}

// The parts of a result the model reads as text; blobs, URIs, MIME types and roles are not text.
function textParts(method: ResultMethod, result: Record<string, unknown>): unknown[] {
  const block = (c: unknown): unknown[] => {
    if (c === null || typeof c !== 'object') return [];
    const b = c as Record<string, unknown>;
    const resource = b.resource as Record<string, unknown> | undefined;
    return [b.text, resource?.text];
  };
  switch (method) {
    case 'tools/call':
      return [
        ...(Array.isArray(result.content) ? result.content.flatMap(block) : []),
        result.structuredContent,
      ];
    case 'prompts/get':
      return [
        result.description,
        ...(Array.isArray(result.messages)
          ? result.messages.flatMap((m) => block((m as Record<string, unknown> | null)?.content))
          : []),
      ];
    case 'resources/read':
      return Array.isArray(result.contents)
        ? result.contents.map((c) => (c as Record<string, unknown> | null)?.text)
        : [];
  }
}

/** The `result` variable for one server reply (texts in document order, bounded by MAX_RESULT_CHARS). */
export function extractResult(
  method: ResultMethod,
  name: string,
  result: Record<string, unknown>,
): PolicyResult {
  const texts: string[] = [];
  const budget = { left: MAX_RESULT_CHARS, truncated: false };
  for (const part of textParts(method, result)) collect(part, texts, budget);
  return { method, name, texts, truncated: budget.truncated };
}

const MARK = (rule: string) => `[capseal: redacted (${rule})]`;

function replaceIn(value: unknown, spans: readonly [string, string][], depth = 0): unknown {
  if (depth > 32) return value;
  if (typeof value === 'string') {
    let out = value;
    for (const [span, mark] of spans) if (span !== '') out = out.split(span).join(mark);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => replaceIn(v, spans, depth + 1));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceIn(v, spans, depth + 1)]));
  return value;
}

/**
 * A copy of the result with every span replaced by `[capseal: redacted (rule)]` in the text parts the
 * scanner read (content text, structuredContent strings, prompt messages, resource texts); everything else
 * is kept as is.
 */
export function redactResult(
  method: ResultMethod,
  result: Record<string, unknown>,
  spans: readonly { rule: string; span: string }[],
): Record<string, unknown> {
  const pairs = [...spans]
    .sort((a, b) => b.span.length - a.span.length)
    .map((s) => [s.span, MARK(s.rule)] as [string, string]);
  const block = (c: unknown): unknown => {
    if (c === null || typeof c !== 'object') return c;
    const b = { ...(c as Record<string, unknown>) };
    if (typeof b.text === 'string') b.text = replaceIn(b.text, pairs);
    if (b.resource !== null && typeof b.resource === 'object') {
      const r = { ...(b.resource as Record<string, unknown>) };
      if (typeof r.text === 'string') r.text = replaceIn(r.text, pairs);
      b.resource = r;
    }
    return b;
  };
  const out = { ...result };
  switch (method) {
    case 'tools/call':
      if (Array.isArray(out.content)) out.content = out.content.map(block);
      if (out.structuredContent !== undefined)
        out.structuredContent = replaceIn(out.structuredContent, pairs);
      break;
    case 'prompts/get':
      if (typeof out.description === 'string') out.description = replaceIn(out.description, pairs);
      if (Array.isArray(out.messages))
        out.messages = out.messages.map((m) =>
          m !== null && typeof m === 'object'
            ? { ...m, content: block((m as Record<string, unknown>).content) }
            : m,
        );
      break;
    case 'resources/read':
      if (Array.isArray(out.contents)) out.contents = out.contents.map(block);
      break;
  }
  return out;
}

/** The scanner's decision for one result: the strongest action of the rules that fired. */
export interface ResultScan {
  action: 'forward' | 'audit' | 'redact' | 'block';
  verdicts: Verdict[];
  /** For redact: the spans to cut, with the rule that asked. */
  spans: { rule: string; span: string }[];
}

const RANK = { forward: 0, audit: 1, redact: 2, block: 3 } as const;

/**
 * Evaluate the rules that read `result` (input.result must be set) and decide: block if any firing rule
 * blocks (or failed to evaluate: fail closed), else redact if any redacts, else audit if any fired, else
 * forward. Verdicts carry the rule's action.
 */
export function scanResult(policy: CompiledPolicy, input: PolicyInput): ResultScan {
  const { verdicts, spans } = evaluateResultRules(policy, input);
  let action: ResultScan['action'] = 'forward';
  for (const v of verdicts) {
    const a = v.evaluationError === true ? 'block' : (v.action ?? 'audit');
    if (RANK[a] > RANK[action]) action = a;
  }
  return { action, verdicts, spans: action === 'redact' ? spans : [] };
}
