import { compareKeys, ENTRY_KINDS, formatPath, type Lockfile, type ServerEntry } from '../lockfile/index.js';
import { type Emit, own, quote } from './compare.js';
import { diffEntries } from './entries.js';
import { kindInfo } from './kinds.js';
import {
  describeSource,
  diffCapseal,
  diffGenerations,
  diffInfo,
  diffLaunch,
  legacySurfaceOf,
  type SurfaceLike,
} from './server-level.js';
import type { Drift } from './types.js';

// Kinds that say nothing about an era split: the protocol version necessarily differs, and task support
// is 2025 vocabulary that 2026-07-28 deleted.
const NOT_A_SPLIT = new Set(['server.protocol.changed', 'tool.execution.changed']);

/**
 * How the 2026-07-28 surface of an era-split entry differs from its 2025 one, as one line per difference
 * ("new tool \"exec_shell\"": modern clients get it, 2025 clients do not).
 */
function eraSplitDetails(entry: ServerEntry & { eras: NonNullable<ServerEntry['eras']> }): string[] {
  const lines: string[] = [];
  const collect: Emit = (kind, _path, message) => {
    if (!NOT_A_SPLIT.has(kind)) lines.push(`${message} (${kind})`);
  };
  diffSurface(entry.eras.legacy, entry, collect, { protocol: false });
  return lines;
}

function diffSurface(
  b: SurfaceLike,
  h: SurfaceLike,
  emit: Emit,
  options: { protocol: boolean; between?: () => void },
): void {
  diffInfo(b, h, emit, options);
  options.between?.();
  for (const kind of ENTRY_KINDS) diffEntries(kind, b, h, emit);
}

/** The drifts of server `name`, each with its kind's severity and subject, its path under `servers.<name>`. */
function emitterFor(name: string, out: Drift[]): Emit {
  return (kind, path, message, extra = {}) => {
    const info = kindInfo(kind);
    const drift: Drift = {
      server: name,
      kind,
      severity: info.severity,
      subject: info.subject,
      path: formatPath(['servers', name, ...path]),
      message,
    };
    if (extra.key !== undefined) drift.key = extra.key;
    if (extra.before !== undefined) drift.before = extra.before;
    if (extra.after !== undefined) drift.after = extra.after;
    if (extra.details !== undefined && extra.details.length > 0) drift.details = extra.details;
    out.push(drift);
  };
}

function diffServer(name: string, b: ServerEntry, h: ServerEntry, out: Drift[]): void {
  const emit = emitterFor(name, out);
  if (h.eras !== undefined) {
    const details = eraSplitDetails(h as ServerEntry & { eras: NonNullable<ServerEntry['eras']> });
    emit(
      'server.era-split',
      ['eras'],
      `server shows 2026-07-28 clients a different surface than 2025 clients${details.length === 0 ? '' : `: ${details.slice(0, 3).join('; ')}${details.length > 3 ? '; …' : ''}`}`,
      { details },
    );
  }
  diffLaunch(b, h, emit);
  diffGenerations(b, h, emit);
  diffSurface(b, h, emit, { protocol: true, between: () => diffCapseal(b, h, emit) });
  if (b.eras !== undefined || h.eras !== undefined) {
    // What 2025 clients see, compared on its own: it is the top-level surface only without a split.
    const legacy: Emit = (kind, path, message, extra) =>
      emit(kind, ['eras', 'legacy', ...path], `2025 clients: ${message}`, extra);
    diffSurface(legacySurfaceOf(b), legacySurfaceOf(h), legacy, { protocol: false });
  }
}

function serverSummary(entry: ServerEntry): Record<string, unknown> {
  return {
    source: entry.source,
    artifact: entry.artifact,
    tools: Object.keys(entry.tools),
    prompts: Object.keys(entry.prompts),
    resources: Object.keys(entry.resources),
    resourceTemplates: Object.keys(entry.resourceTemplates),
  };
}

/**
 * Every difference between two lockfiles (or a lockfile and a live snapshot turned into one), each with
 * the severity of its rule (see DRIFT_KINDS). Pure and deterministic: servers in key order, then per
 * server the server-level drifts, then tools, prompts, resources and templates, each in key order.
 * Inputs are trusted lockfiles (parsed, digests verified): equal entry digests mean canonically equal bodies.
 */
export function diffLocks(base: Lockfile, head: Lockfile): Drift[] {
  const out: Drift[] = [];
  const names = [...new Set([...Object.keys(base.servers), ...Object.keys(head.servers)])].sort(compareKeys);
  for (const name of names) {
    const b = own(base.servers, name);
    const h = own(head.servers, name);
    if (b !== undefined && h !== undefined) diffServer(name, b, h, out);
    else if (h !== undefined) {
      const message = `new server ${quote(name)} (${describeSource(h.source)}) is not in the locked set`;
      emitterFor(name, out)('server.added', [], message, { after: serverSummary(h) });
    } else if (b !== undefined) {
      const message = `locked server ${quote(name)} is no longer present`;
      emitterFor(name, out)('server.removed', [], message, { before: serverSummary(b) });
    }
  }
  return out;
}
