import type { Environment } from '@marcbachmann/cel-js';

/**
 * Evaluation bounds. CEL has no loops, but nested comprehensions (`tools.all(a, tools.all(b, …))`) are
 * polynomial and a huge input makes anything slow, so every evaluation runs against a step meter:
 * each comprehension iteration and each custom-function call costs steps (functions: 1 + length/256),
 * and the clock is read every 1,024 steps. Exceeding the per-rule step budget or the deadline makes that
 * rule an evaluation error (fail closed); the meter stays tripped so enclosing `||`/`exists` cannot
 * swallow it.
 */
export interface PolicyLimits {
  /** Steps one rule evaluation (one subject) may take. */
  maxStepsPerRule: number;
  /** Wall-clock budget of one evaluatePolicy/evaluateLock call (all rules, all subjects), in ms. */
  timeBudgetMs: number;
  /** Wall-clock budget of one evaluateCall (the proxy's per-request check), in ms. */
  callTimeBudgetMs: number;
  /** Max length of one rule expression or message template, in characters. */
  maxExpressionLength: number;
  /** Max nesting of comprehensions (all/exists/map/filter) inside one expression. */
  maxComprehensionDepth: number;
  /** Clock used for deadlines (injected in tests). */
  now: () => number;
}

export const DEFAULT_POLICY_LIMITS: PolicyLimits = {
  maxStepsPerRule: 2_000_000,
  timeBudgetMs: 10_000,
  callTimeBudgetMs: 250,
  maxExpressionLength: 4_096,
  maxComprehensionDepth: 3,
  now: () => performance.now(),
};

export class BudgetExceeded extends Error {
  override readonly name = 'BudgetExceeded';
}

/** The meter one evaluation runs against. Module-level because cel-js offers no per-evaluation hook. */
class Meter {
  active = false;
  steps = 0;
  maxSteps = Number.POSITIVE_INFINITY;
  deadline = Number.POSITIVE_INFINITY;
  now: () => number = () => 0;
  tripped: string | undefined;

  start(maxSteps: number, deadline: number, now: () => number): void {
    this.active = true;
    this.steps = 0;
    this.maxSteps = maxSteps;
    this.deadline = deadline;
    this.now = now;
    this.tripped = undefined;
  }

  stop(): string | undefined {
    this.active = false;
    return this.tripped;
  }

  charge(cost: number): void {
    if (!this.active) return;
    if (this.tripped !== undefined) throw new BudgetExceeded(this.tripped);
    const before = this.steps;
    this.steps += cost;
    if (this.steps > this.maxSteps) {
      this.tripped = `step budget exceeded (${this.maxSteps} steps)`;
      throw new BudgetExceeded(this.tripped);
    }
    if (before >>> 10 !== this.steps >>> 10 && this.now() > this.deadline) {
      this.tripped = 'time budget exceeded';
      throw new BudgetExceeded(this.tripped);
    }
  }
}

export const meter = new Meter();

let installed = false;

/**
 * Hook the step meter into cel-js comprehensions. cel-js 8.0.0 (pinned) binds each iteration value
 * through OverlayContext#setIterValue; we reach that prototype through a checked probe expression and
 * wrap it once. If a future cel-js moves it, this throws at compile time rather than silently unbounding.
 */
export function installStepMeter(env: Environment): void {
  if (installed) return;
  const probe = env.parse('[1].all(x, true)');
  probe.check();
  const meta = (probe.ast as unknown as { meta?: { alternate?: { args?: { iterCtx?: object } } } }).meta;
  const ctx = meta?.alternate?.args?.iterCtx;
  const proto = ctx === undefined ? undefined : (Object.getPrototypeOf(ctx) as Record<string, unknown>);
  const original = proto?.setIterValue;
  if (proto === undefined || typeof original !== 'function') {
    throw new Error('cel-js internals changed: cannot install the policy step meter');
  }
  proto.setIterValue = function setIterValueMetered(this: unknown, ...args: unknown[]) {
    meter.charge(1);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  installed = true;
}
