import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import type { PreparedLaunch } from '../../sandbox/io/index.js';
import { describeDepthExcess, errorMessage } from '../../shared/index.js';
import type { ServerSpec, SnapshotLimits } from '../types.js';
import type { StdioFailure } from './stdio-transport.js';

// How a snapshot failure is told: what went wrong with the process, which JSON-RPC error a server sent.

export function describeFailure(
  failure: StdioFailure,
  limits: SnapshotLimits,
  launch: PreparedLaunch | undefined,
  stderr: string[],
): string {
  switch (failure.kind) {
    case 'spawn':
      return `could not start: ${failure.message}`;
    case 'exit': {
      const how =
        failure.signal !== null
          ? `exited early (killed by ${failure.signal})`
          : `exited early with code ${failure.code}`;
      const limit = launch?.explainExit({
        code: failure.code,
        signal: failure.signal,
        stderr: stderr.join('\n'),
      });
      return limit === undefined ? how : `${how}: it hit the sandbox's ${limit}`;
    }
    case 'garbage':
      return `wrote something that is not JSON-RPC to stdout: ${failure.line}`;
    case 'flood':
      return `wrote a stdout line longer than ${limits.outputCapBytes} bytes (outputCapBytes)`;
    case 'too-deep':
      return `sent a message ${describeDepthExcess(failure.depth, failure.limit)}`;
  }
}

/**
 * The JSON-RPC error code a server answered with: a ProtocolError, or (Streamable HTTP answers a failed
 * request with a 4xx status and the JSON-RPC error as body) the body of an SdkHttpError.
 */
export function rpcErrorCode(error: unknown): number | undefined {
  if (error instanceof ProtocolError) return error.code;
  if (error instanceof SdkHttpError) {
    try {
      const body = JSON.parse(String(error.data.text)) as { error?: { code?: unknown } };
      if (typeof body.error?.code === 'number') return body.error.code;
    } catch {
      // not a JSON-RPC body
    }
  }
  return undefined;
}

export function stderrDetails(lines: string[]): string[] {
  return lines.length === 0 ? ['(nothing on stderr)'] : lines.map((l) => `stderr: ${l}`);
}

export function explain(error: unknown, spec: ServerSpec, phase: string): string {
  if (error instanceof SdkError && error.code === SdkErrorCode.ConnectionClosed) {
    return `closed the connection during ${phase}`;
  }
  const text = errorMessage(error);
  if (
    spec.transport !== 'stdio' &&
    /fetch failed|ECONNREFUSED|ENOTFOUND/i.test(text + String((error as { cause?: unknown })?.cause ?? ''))
  ) {
    return `cannot connect to ${spec.url} (${text})`;
  }
  return `${text}${text.includes(phase) ? '' : ` (during ${phase})`}`;
}

export function withHeaders(headers: Record<string, string>): typeof fetch {
  return (input, init) =>
    fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } });
}
