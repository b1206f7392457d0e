import { DEFAULT_MAX_JSON_DEPTH } from '../shared/index.js';

/**
 * How to reach one server: the ecosystem's own `mcpServers` entry shape, resolved. Produced by the CLI
 * (`-- CMD`, `--url`) or parseMcpConfig (`--config`); consumed by snapshot, check, the Action and the proxy.
 */
export type ServerSpec =
  | {
      name: string;
      transport: 'stdio';
      command: string;
      args: string[];
      /** Variables the config names explicitly; the only ones (besides PATH and a temp HOME) the server gets. */
      env?: Record<string, string>;
      cwd?: string;
      /**
       * Directory that relative paths in command/args/cwd resolve against (the CLI's working directory, or
       * the config file's directory). Not recorded in the lockfile; defaults to process.cwd().
       */
      baseDir?: string;
      /**
       * What the lockfile records instead of command/args/cwd, when they differ from what is launched: the
       * config's text as written, with `${VAR}` unexpanded (parseHostConfig), so no value reaches the lockfile.
       */
      recorded?: { command: string; args: string[]; cwd?: string };
    }
  | {
      name: string;
      transport: 'streamable-http' | 'sse';
      url: string;
      headers?: Record<string, string>;
      /** The URL the lockfile records when it differs from the one reached (`${VAR}` unexpanded). */
      recorded?: { url: string };
    };

/** Explicit, typed limits for one snapshot (STYLE §11). Hitting one is a SERVER_FAILED error, never a hang. */
export interface SnapshotLimits {
  /** Spawn/connect + initialize must finish within this. */
  startupTimeoutMs: number;
  /** The whole snapshot of one server must finish within this. */
  totalTimeoutMs: number;
  /** Max pages followed per list method. */
  pageCap: number;
  /** Max bytes of stderr kept for error messages, and max bytes of one stdout line. */
  outputCapBytes: number;
  /** Max nesting of one message from the server (docs/limits.md); deeper is SERVER_FAILED before parsing. */
  maxJsonDepth: number;
}

export const DEFAULT_LIMITS: SnapshotLimits = {
  startupTimeoutMs: 30_000,
  totalTimeoutMs: 60_000,
  pageCap: 100,
  outputCapBytes: 4 * 1024 * 1024,
  maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
};
