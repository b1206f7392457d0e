/**
 * Typed errors with string codes. Every failure capseal reports on purpose is a CapsealError; the CLI maps
 * the code to an exit code in exactly one place (`exitCodeFor`). Anything else that escapes is our bug
 * (exit 70). Drift and policy denials are results, not errors: they never come through here.
 */
export type ErrorCode =
  | 'USAGE' // bad command line or action input
  | 'INVALID_INPUT' // a file we read is unreadable or does not validate
  | 'SERVER_FAILED' // a server could not be started, crashed, timed out, or spoke garbage
  | 'SIGNATURE_INVALID' // a signature does not verify (the gate says no)
  | 'ARTIFACT_MISMATCH' // the artifact about to run is not the one the lockfile pins
  | 'POLICY_DENIED' // a pack's error-level rule holds against what is about to run (the gate says no)
  | 'INTERNAL'; // a bug in capseal

export class CapsealError extends Error {
  override readonly name = 'CapsealError';
  readonly code: ErrorCode;
  /** One line per problem (for example `servers.a.tools.x.digest: does not match`). */
  readonly details: readonly string[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? [];
  }
}

export const EXIT = {
  PASS: 0,
  GATE: 1,
  USAGE: 2,
  SERVER: 3,
  INTERNAL: 70,
} as const;

/** How a run ended, as the Action's `outcome` output and reports say it. */
export type Outcome = 'pass' | 'fail' | 'error';

/**
 * The one table from error codes to what the shells report: the CLI's exit code and the Action's
 * `outcome`. A gate error (a signature or artifact pin that does not hold) is `fail` with exit 1, like
 * drift: the gate said no. Everything else is `error`.
 */
const ERROR_RESULTS: Record<ErrorCode, { exitCode: number; outcome: 'fail' | 'error' }> = {
  USAGE: { exitCode: EXIT.USAGE, outcome: 'error' },
  INVALID_INPUT: { exitCode: EXIT.USAGE, outcome: 'error' },
  SERVER_FAILED: { exitCode: EXIT.SERVER, outcome: 'error' },
  SIGNATURE_INVALID: { exitCode: EXIT.GATE, outcome: 'fail' },
  ARTIFACT_MISMATCH: { exitCode: EXIT.GATE, outcome: 'fail' },
  POLICY_DENIED: { exitCode: EXIT.GATE, outcome: 'fail' },
  INTERNAL: { exitCode: EXIT.INTERNAL, outcome: 'error' },
};

function resultFor(error: unknown): { exitCode: number; outcome: 'fail' | 'error' } {
  return error instanceof CapsealError ? ERROR_RESULTS[error.code] : ERROR_RESULTS.INTERNAL;
}

/** The CLI's exit code for an error that ended a command (anything not a CapsealError is our bug: 70). */
export function exitCodeFor(error: unknown): number {
  return resultFor(error).exitCode;
}

/** The Action's `outcome` for an error that ended a run: `fail` exactly where the CLI exits 1. */
export function outcomeFor(error: unknown): 'fail' | 'error' {
  return resultFor(error).outcome;
}

/** The message of anything thrown: an Error's message, anything else as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Render an error for a human on stderr: message, then each detail indented. Never a stack for our errors. */
export function formatError(error: unknown): string {
  if (error instanceof CapsealError) {
    const lines = [`capseal: ${error.message}`, ...error.details.map((d) => `  - ${d}`)];
    return lines.join('\n');
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `capseal: internal error (please report this): ${detail}`;
}
