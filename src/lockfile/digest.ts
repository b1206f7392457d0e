import { digestOf } from './canonical.js';
import type { EntryKind, ServerInfo } from './schema.js';

type Digestless<T> = Omit<T, 'digest'>;

/**
 * The digest of one listed entry. The kind and key are hashed with the body, so moving an entry to another
 * name changes its digest. The proxy computes exactly this over live responses and compares.
 */
export function digestEntry(kind: EntryKind, key: string, body: object): `sha256:${string}` {
  const { digest: _ignored, ...rest } = body as { digest?: unknown };
  return digestOf({ kind, key, entry: rest });
}

export function digestServerInfo(info: Digestless<ServerInfo> | ServerInfo): `sha256:${string}` {
  const { digest: _ignored, ...rest } = info as { digest?: unknown };
  return digestOf({ kind: 'server', entry: rest });
}

/** Attach (or recompute) the digest of an entry body. */
export function sealEntry<T extends object>(
  kind: EntryKind,
  key: string,
  body: T,
): Digestless<T> & { digest: string } {
  const { digest: _ignored, ...rest } = body as T & { digest?: unknown };
  return { ...(rest as Digestless<T>), digest: digestEntry(kind, key, rest) };
}

export function sealServerInfo(info: Digestless<ServerInfo>): ServerInfo {
  const { digest: _ignored, ...rest } = info as ServerInfo;
  return { ...rest, digest: digestServerInfo(rest) };
}
