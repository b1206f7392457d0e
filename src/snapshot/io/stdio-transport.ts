import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import {
  deserializeMessage,
  type JSONRPCMessage,
  serializeMessage,
  type Transport,
} from '@modelcontextprotocol/client';
import { DEFAULT_MAX_JSON_DEPTH, jsonTextDepth } from '../../shared/index.js';

export interface SpawnPlan {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/** Why the server process stopped being usable, first cause wins. */
export type StdioFailure =
  | { kind: 'spawn'; message: string }
  | { kind: 'exit'; code: number | null; signal: string | null }
  | { kind: 'garbage'; line: string }
  | { kind: 'flood'; limit: number }
  | { kind: 'too-deep'; depth: number; limit: number };

/**
 * One stdout line of a server: its JSON-RPC message, or why the line is unusable. The nesting is measured
 * before parsing (iteratively, docs/limits.md), so nothing downstream recurses deeper than `maxJsonDepth`;
 * anything that is not a JSON-RPC message (the SDK's own schema) is garbage. Never throws.
 */
export function parseStdoutLine(
  line: string,
  maxJsonDepth: number,
): { message: JSONRPCMessage } | { failure: StdioFailure } {
  const depth = jsonTextDepth(line, maxJsonDepth);
  if (depth > maxJsonDepth) return { failure: { kind: 'too-deep', depth, limit: maxJsonDepth } };
  try {
    return { message: deserializeMessage(line) };
  } catch {
    return { failure: { kind: 'garbage', line: line.length > 200 ? `${line.slice(0, 200)}…` : line } };
  }
}

/** Keeps the last `cap` bytes written to it (stderr tail for error messages). */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.cap && this.chunks.length > 1) {
      this.size -= (this.chunks.shift() as Buffer).length;
    }
    if (this.size > this.cap) {
      const only = this.chunks[0] as Buffer;
      this.chunks = [only.subarray(only.length - this.cap)];
      this.size = this.cap;
    }
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * A client Transport over a spawned server's stdio, using the SDK's own framing (ReadBuffer /
 * serializeMessage), with what the SDK's StdioClientTransport does not give: the server is spawned as the
 * leader of its own process group and the whole group is killed on close; a stdout line longer than
 * `maxLineBytes`, nested deeper than `maxJsonDepth` (measured before parsing) or one that is not JSON-RPC is a failure (not a silently skipped line); stderr is kept
 * as a capped tail for error messages.
 */
export class SandboxedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  private child: ChildProcessWithoutNullStreams | undefined;
  /** Bytes of the current, not yet complete stdout line. */
  private pending: Buffer = Buffer.alloc(0);
  private readonly stderrTail: TailBuffer;
  private exited: Promise<void> = Promise.resolve();
  private closed = false;
  /** The first thing that went wrong with the process, if anything did. */
  failure: StdioFailure | undefined;

  constructor(
    private readonly plan: SpawnPlan,
    options: { maxLineBytes: number; stderrCapBytes: number; maxJsonDepth?: number },
  ) {
    this.stderrTail = new TailBuffer(options.stderrCapBytes);
    this.maxLineBytes = options.maxLineBytes;
    this.maxJsonDepth = options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
  }
  private readonly maxLineBytes: number;
  private readonly maxJsonDepth: number;

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines the server wrote to stderr (capped), for error messages. */
  stderrLines(max = 20): string[] {
    const lines = this.stderrTail
      .text()
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '');
    return lines.slice(-max).map((l) => (l.length > 500 ? `${l.slice(0, 500)}…` : l));
  }

  private fail(failure: StdioFailure, error: Error): void {
    if (this.failure === undefined) this.failure = failure;
    this.onerror?.(error);
    void this.close();
  }

  start(): Promise<void> {
    if (this.child !== undefined) throw new Error('SandboxedStdioTransport already started');
    // Closed before it started (a reading dropped early): nothing is spawned.
    if (this.closed) return Promise.reject(new Error('the connection was closed before it started'));
    return new Promise((resolve, reject) => {
      const child = spawn(this.plan.command, this.plan.args, {
        cwd: this.plan.cwd,
        env: this.plan.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true, // own process group: close() kills the server and everything it started
        windowsHide: true,
      });
      this.child = child;
      this.exited = new Promise((done) => child.once('close', () => done()));
      child.once('error', (error) => {
        const failure: StdioFailure = { kind: 'spawn', message: error.message };
        if (this.failure === undefined) this.failure = failure;
        reject(error);
        this.onerror?.(error);
        this.finish();
      });
      child.once('spawn', () => resolve());
      child.once('exit', (code, signal) => {
        if (!this.closed && this.failure === undefined) this.failure = { kind: 'exit', code, signal };
        // 'close' follows once stdout is drained; a grandchild holding the pipe must not keep us waiting.
        setTimeout(() => this.finish(), 200).unref();
      });
      child.once('close', () => this.finish());
      child.stdin.on('error', () => {
        // EPIPE after the server died; the exit handler reports it.
      });
      child.stdout.on('data', (chunk: Buffer) => this.onStdout(chunk));
      child.stderr.on('data', (chunk: Buffer) => this.stderrTail.push(chunk));
    });
  }

  // The SDK's framing (one JSON-RPC message per line, deserializeMessage), with the line length capped
  // and the offending line kept for the error message.
  private onStdout(chunk: Buffer): void {
    if (this.closed) return;
    let buffer = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const newline = buffer.indexOf(0x0a);
      if (newline === -1) break;
      const line = buffer.toString('utf8', 0, newline).replace(/\r$/, '');
      buffer = buffer.subarray(newline + 1);
      if (line.trim() === '') continue;
      if (newline > this.maxLineBytes) {
        this.fail({ kind: 'flood', limit: this.maxLineBytes }, new Error('stdout line too long'));
        return;
      }
      const parsed = parseStdoutLine(line, this.maxJsonDepth);
      if ('failure' in parsed) {
        this.fail(parsed.failure, new Error(`stdout is unusable: ${parsed.failure.kind}`));
        return;
      }
      this.onmessage?.(parsed.message);
      if (this.closed) return;
    }
    if (buffer.length > this.maxLineBytes) {
      this.fail({ kind: 'flood', limit: this.maxLineBytes }, new Error('stdout line too long'));
      return;
    }
    this.pending = buffer;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (stdin === undefined || this.closed) throw new Error('not connected');
    await new Promise<void>((resolve, reject) => {
      const ok = stdin.write(serializeMessage(message), (error) => (error ? reject(error) : undefined));
      if (ok) resolve();
      else stdin.once('drain', () => resolve());
    });
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.killGroup('SIGKILL');
    this.pending = Buffer.alloc(0);
    this.onclose?.();
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  /**
   * Kill the whole process group at once (KILL: a snapshot wants nothing more from the server, and one
   * that traps TERM cannot delay it) and wait briefly for the leader to be reaped.
   */
  async close(): Promise<void> {
    if (this.child === undefined) {
      this.closed = true;
      return;
    }
    const wasClosed = this.closed;
    this.closed = true;
    this.child.stdin.end();
    this.killGroup('SIGKILL');
    const grace = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([this.exited, grace]);
    this.pending = Buffer.alloc(0);
    if (!wasClosed) this.onclose?.();
  }
}
