import { z } from 'zod';
import { ENTRY_KINDS, type Lockfile, type ServerEntry, ServerEntryV1Schema, type Surface } from './schema.js';

const ServerEntriesV1Schema = z.record(z.string(), ServerEntryV1Schema);

/** Code-point order, independent of locale, so every machine writes the same bytes. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortRecord<V>(
  record: Record<string, V>,
  map: (value: V) => unknown = (v) => v,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort(compareKeys)) out[key] = map(record[key] as V);
  return out;
}

/** Put an object's known keys first in a fixed order; unknown keys follow, sorted. Drops undefined values. */
function ordered(value: object, order: readonly string[]): Record<string, unknown> {
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of order) if (src[key] !== undefined) out[key] = src[key];
  for (const key of Object.keys(src).sort(compareKeys))
    if (!(key in out) && src[key] !== undefined) out[key] = src[key];
  return out;
}

const ENTRY_ORDER: Record<(typeof ENTRY_KINDS)[number], readonly string[]> = {
  tools: [
    'title',
    'description',
    'inputSchema',
    'outputSchema',
    'annotations',
    'execution',
    'icons',
    '_meta',
    'digest',
  ],
  prompts: ['title', 'description', 'arguments', 'icons', '_meta', 'digest'],
  resources: ['name', 'title', 'description', 'mimeType', 'icons', '_meta', 'digest'],
  resourceTemplates: ['name', 'title', 'description', 'mimeType', 'icons', '_meta', 'digest'],
};

const SERVER_ORDER = [
  'name',
  'version',
  'title',
  'icons',
  'protocolVersion',
  'capabilities',
  'instructions',
  'digest',
] as const;

/** `server` and the four entry records of one surface, in the fixed order. */
function orderSurface(surface: Surface | ServerEntry, out: Record<string, unknown>): void {
  out.server = ordered(surface.server, SERVER_ORDER);
  for (const kind of ENTRY_KINDS) {
    out[kind] = sortRecord(surface[kind] as Record<string, object>, (e) => ordered(e, ENTRY_ORDER[kind]));
  }
}

function orderSource(source: ServerEntry['source']): Record<string, unknown> {
  const out = ordered(source, [
    'transport',
    'command',
    'args',
    'cwd',
    'env',
    'launchPattern',
    'url',
    'headers',
  ]);
  if (source.transport === 'stdio' && source.launchPattern !== undefined)
    out.launchPattern = ordered(source.launchPattern, ['args', 'cwd']);
  return out;
}

function orderServer(entry: ServerEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    source: orderSource(entry.source),
    artifact: ordered(entry.artifact, [
      'kind',
      'name',
      'version',
      'integrity',
      'path',
      'sha256',
      'image',
      'digest',
    ]),
    sandbox: ordered(entry.sandbox, ['env', 'home', 'cwd', 'network']),
    client: ordered(entry.client, ['name', 'protocolVersion', 'capabilities']),
  };
  if (entry.generations !== undefined) {
    const g = entry.generations;
    out.generations = {
      ...(g.modern === undefined ? {} : { modern: { supportedVersions: g.modern.supportedVersions } }),
      ...(g.legacy === undefined ? {} : { legacy: { protocolVersion: g.legacy.protocolVersion } }),
    };
  }
  orderSurface(entry, out);
  if (entry.eras !== undefined) {
    const legacy: Record<string, unknown> = {};
    orderSurface(entry.eras.legacy, legacy);
    out.eras = { legacy };
  }
  return out;
}

/** True when no entry uses a version-2 field (generations, eras, _meta, icons, execution, launchPattern). */
function fitsVersion1(lock: Lockfile): boolean {
  return ServerEntriesV1Schema.safeParse(lock.servers).success;
}

/**
 * The bytes of a lockfile: fixed field order, entries sorted by key, two-space indent, one trailing newline.
 * The version is the one the lockfile says (`capseal lock` builds version 2; a version-1 lockfile read
 * and written again keeps its bytes), except that a lockfile claiming version 1 with version-2 fields in
 * it is written as version 2, never as a file no reader accepts.
 * Server-provided JSON (schemas, capabilities) is kept in the order the server sent it, so a reordering
 * shows up as a (cosmetic) change rather than vanishing.
 */
export function serializeLockfile(lock: Lockfile): string {
  const doc: Record<string, unknown> = {};
  if (lock.$schema !== undefined) doc.$schema = lock.$schema;
  doc.lockfileVersion = lock.lockfileVersion === 1 && fitsVersion1(lock) ? 1 : 2;
  doc.servers = sortRecord(lock.servers, orderServer);
  return `${JSON.stringify(doc, null, 2)}\n`;
}
