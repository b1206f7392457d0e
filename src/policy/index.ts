export { DEFAULT_POLICY_LIMITS, type PolicyLimits } from './budget.js';
export { type CompiledPolicy, type CompiledRule, compilePacks, type PackSource } from './compile.js';
export {
  extractResult,
  MAX_RESULT_CHARS,
  type ResultMethod,
  type ResultScan,
  redactResult,
  scanResult,
} from './content.js';
export { describeFunctions, type FunctionDoc, SCOPES, type Scope } from './environment.js';
export {
  evaluateCall,
  evaluateLock,
  evaluatePolicy,
  evaluateResultRules,
  hasCallRules,
  hasResultRules,
} from './evaluate.js';
export { POISON_FAMILIES, type PoisonFamily, poisonMatch, poisonSignals } from './functions/poisoning.js';
export {
  buildCall,
  buildPolicyInput,
  type CallArgs,
  type PolicyCall,
  type PolicyInput,
  PolicyInputSchema,
  type PolicyResult,
  renderPolicyInputJsonSchema,
} from './input.js';
export { type Pack, type PackRule, PackSchema } from './pack.js';
export type { RuleSeverity, Verdict } from './types.js';
