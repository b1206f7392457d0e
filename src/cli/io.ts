/** What a command may touch of the outside world. Injected so commands run in-process in tests. */
export interface CliIO {
  /** Only the proxy reads stdin (the host's side of the session). */
  stdin?: NodeJS.ReadableStream;
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Command {
  /** One-line summary for `capseal --help`. */
  summary: string;
  usage: string;
  run(argv: readonly string[], io: CliIO): Promise<number>;
}
