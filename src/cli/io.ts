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
  /** Subcommands (`policy check`), each answering `--help` with this command's usage. */
  subcommands?: readonly string[];
  run(argv: readonly string[], io: CliIO): Promise<number>;
}

/** A file-system error as a few words (`no such file or directory`), never a stack. */
export function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const words: Record<string, string> = {
    ENOENT: 'no such file or directory',
    ENOTDIR: 'a parent is not a directory',
    EISDIR: 'is a directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EEXIST: 'already exists',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on device',
  };
  if (typeof code === 'string') return words[code] ?? code;
  return error instanceof Error ? error.message : String(error);
}
