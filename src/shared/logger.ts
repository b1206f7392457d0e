/** Where shells send human-readable progress. Injected so tests and the Action can capture or redirect it. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** Called before each server is started or reached, so a shell can group its output (the Action's log groups). */
  serverStart?(name: string): void;
}

/** A logger that writes to a stream (stderr by default: stdout is reserved for machine-readable output). */
export function createStreamLogger(
  stream: { write(chunk: string): unknown } = process.stderr,
  options: { debug?: boolean } = {},
): Logger {
  return {
    info: (m) => void stream.write(`${m}\n`),
    warn: (m) => void stream.write(`warning: ${m}\n`),
    debug: (m) => {
      if (options.debug) stream.write(`debug: ${m}\n`);
    },
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };
