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

/** The one mapping from error codes to documented exit codes. */
export function exitCodeFor(error: unknown): number {
  if (!(error instanceof CapsealError)) return EXIT.INTERNAL;
  switch (error.code) {
    case 'USAGE':
    case 'INVALID_INPUT':
      return EXIT.USAGE;
    case 'SERVER_FAILED':
      return EXIT.SERVER;
    case 'SIGNATURE_INVALID':
    case 'ARTIFACT_MISMATCH':
      return EXIT.GATE;
    case 'INTERNAL':
      return EXIT.INTERNAL;
  }
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
