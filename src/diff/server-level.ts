import type { LaunchPattern, ServerEntry } from '../lockfile/index.js';
import { compareKeys } from '../lockfile/index.js';
import { compareText, type Emit, quote, same, structuralDetails, verbatim } from './compare.js';

export function describeSource(source: ServerEntry['source']): string {
  return source.transport === 'stdio'
    ? [source.command, ...source.args].join(' ')
    : `${source.transport} ${source.url}`;
}

function describeArtifact(artifact: ServerEntry['artifact']): string {
  switch (artifact.kind) {
    case 'npm':
      return `npm ${artifact.name}@${artifact.version} (${artifact.integrity.slice(0, 19)}…)`;
    case 'file':
      return `file ${artifact.path} (sha256 ${artifact.sha256.slice(0, 12)}…)`;
    case 'docker':
      return `docker ${artifact.image}${artifact.digest === null ? ' (no digest)' : `@${artifact.digest}`}`;
    case 'remote':
      return `remote ${artifact.url}`;
    case 'unresolved':
      return `unresolved (${artifact.reason})`;
  }
}

/** The part of an entry one protocol generation shows: server info and the four lists. */
export type SurfaceLike = Pick<
  ServerEntry,
  'server' | 'tools' | 'prompts' | 'resources' | 'resourceTemplates'
>;

/** Generations an entry records; a version-1 entry (none recorded) offered the 2025 generation only. */
export function generationsOf(entry: ServerEntry): NonNullable<ServerEntry['generations']> {
  return entry.generations ?? { legacy: { protocolVersion: entry.server.protocolVersion } };
}

/** What 2025 clients are shown: the split-off legacy surface, else the one surface. */
export function legacySurfaceOf(entry: ServerEntry): SurfaceLike {
  return entry.eras?.legacy ?? entry;
}

const ERA_WORD = { modern: '2026-07-28 (server/discover)', legacy: '2025 (initialize)' } as const;

/** The source without its launch pattern (which is reported on its own), and the pattern. */
function splitSource(source: ServerEntry['source']): [object, LaunchPattern | undefined] {
  if (source.transport !== 'stdio') return [source, undefined];
  const { launchPattern, ...rest } = source;
  return [rest, launchPattern];
}

export function diffLaunch(b: ServerEntry, h: ServerEntry, emit: Emit): void {
  const [bs, bp] = splitSource(b.source);
  const [hs, hp] = splitSource(h.source);
  if (!same(bs, hs)) {
    emit(
      'server.source.changed',
      ['source'],
      `launch changed: ${describeSource(b.source)} → ${describeSource(h.source)}`,
      { before: bs, after: hs, details: structuralDetails(bs, hs) },
    );
  }
  // Any new or different pattern is critical: whether one glob set is narrower than another is not decided
  // here, and a pattern lets the proxy run launch lines nobody locked.
  if (!same(bp, hp)) {
    const show = (p: LaunchPattern) =>
      [
        p.args === undefined ? '' : `args ${JSON.stringify(p.args)}`,
        p.cwd === undefined ? '' : `cwd ${p.cwd}`,
      ]
        .filter((x) => x !== '')
        .join(', ');
    emit(
      hp === undefined ? 'server.launch-pattern.removed' : 'server.launch-pattern.changed',
      ['source', 'launchPattern'],
      hp === undefined
        ? `launch pattern removed (was ${show(bp as LaunchPattern)}): only the locked launch line runs`
        : `launch pattern ${bp === undefined ? 'added' : 'changed'}: ${bp === undefined ? '' : `${show(bp)} → `}${show(hp)}`,
      { before: bp, after: hp, details: structuralDetails(bp ?? {}, hp ?? {}) },
    );
  }
  if (!same(b.artifact, h.artifact)) {
    emit(
      'server.artifact.changed',
      ['artifact'],
      `artifact pin changed: ${describeArtifact(b.artifact)} → ${describeArtifact(h.artifact)}`,
      { before: b.artifact, after: h.artifact },
    );
  }
}

export function diffGenerations(b: ServerEntry, h: ServerEntry, emit: Emit): void {
  const bg = generationsOf(b);
  const hg = generationsOf(h);
  const offered = (g: typeof bg) => (['modern', 'legacy'] as const).filter((era) => g[era] !== undefined);
  const before = offered(bg);
  const after = offered(hg);
  if (before.join() !== after.join()) {
    const added = after.filter((e) => !before.includes(e)).map((e) => `now offers ${ERA_WORD[e]}`);
    const removed = before.filter((e) => !after.includes(e)).map((e) => `no longer offers ${ERA_WORD[e]}`);
    emit(
      'server.generations.changed',
      ['generations'],
      `protocol generations changed: ${[...added, ...removed].join('; ')}`,
      {
        before,
        after,
      },
    );
  }
  const versions = (g: typeof bg) => ({
    modern: [...(g.modern?.supportedVersions ?? [])].sort(compareKeys),
    legacy: g.legacy?.protocolVersion,
  });
  const bv = versions(bg);
  const hv = versions(hg);
  if (bg.modern !== undefined && hg.modern !== undefined && bv.modern.join() !== hv.modern.join()) {
    emit(
      'server.supported-versions.changed',
      ['generations', 'modern', 'supportedVersions'],
      `supported versions ${bv.modern.join(', ')} → ${hv.modern.join(', ')}`,
      { before: bg.modern.supportedVersions, after: hg.modern.supportedVersions },
    );
  }
  if (
    bv.legacy !== undefined &&
    hv.legacy !== undefined &&
    bv.legacy !== hv.legacy &&
    b.generations !== undefined
  ) {
    emit(
      'server.supported-versions.changed',
      ['generations', 'legacy', 'protocolVersion'],
      `version negotiated in initialize ${bv.legacy} → ${hv.legacy}`,
      { before: bv.legacy, after: hv.legacy },
    );
  }
}

function withoutExtensions(capabilities: Record<string, unknown>): Record<string, unknown> {
  const { extensions: _e, ...rest } = capabilities;
  return rest;
}

export function diffInfo(b: SurfaceLike, h: SurfaceLike, emit: Emit, options: { protocol: boolean }): void {
  const bi = b.server;
  const hi = h.server;
  if (bi.version !== hi.version) {
    emit('server.version.changed', ['server', 'version'], `server version ${bi.version} → ${hi.version}`, {
      before: bi.version,
      after: hi.version,
    });
  }
  if (bi.name !== hi.name || bi.title !== hi.title) {
    const field = bi.name !== hi.name ? 'name' : 'title';
    emit(
      'server.info.changed',
      ['server', field],
      `server ${field} ${quote(String(bi[field] ?? ''))} → ${quote(String(hi[field] ?? ''))}`,
      { before: { name: bi.name, title: bi.title }, after: { name: hi.name, title: hi.title } },
    );
  }
  if (!same(bi.icons, hi.icons)) {
    emit('server.icons.changed', ['server', 'icons'], 'server icons changed', {
      before: bi.icons,
      after: hi.icons,
      details: structuralDetails(bi.icons ?? [], hi.icons ?? []),
    });
  }
  if (options.protocol && bi.protocolVersion !== hi.protocolVersion) {
    emit(
      'server.protocol.changed',
      ['server', 'protocolVersion'],
      `protocol version ${bi.protocolVersion} → ${hi.protocolVersion}`,
      { before: bi.protocolVersion, after: hi.protocolVersion },
    );
  }
  const bc = withoutExtensions(bi.capabilities);
  const hc = withoutExtensions(hi.capabilities);
  if (!same(bc, hc)) {
    emit('server.capabilities.changed', ['server', 'capabilities'], 'declared capabilities changed', {
      before: bi.capabilities,
      after: hi.capabilities,
      details: structuralDetails(bc, hc),
    });
  } else if (
    verbatim(bi.capabilities) !== verbatim(hi.capabilities) &&
    same(bi.capabilities, hi.capabilities)
  ) {
    emit(
      'server.capabilities.reordered',
      ['server', 'capabilities'],
      'declared capabilities reordered (same content)',
      { before: bi.capabilities, after: hi.capabilities },
    );
  }
  if (!same(bi.capabilities.extensions, hi.capabilities.extensions)) {
    emit(
      'server.extensions.changed',
      ['server', 'capabilities', 'extensions'],
      'declared extensions changed',
      {
        before: bi.capabilities.extensions,
        after: hi.capabilities.extensions,
        details: structuralDetails(bi.capabilities.extensions ?? {}, hi.capabilities.extensions ?? {}),
      },
    );
  }
  const instructions = compareText(bi.instructions, hi.instructions);
  if (instructions !== 'same') {
    const what =
      bi.instructions === undefined ? 'appeared' : hi.instructions === undefined ? 'were removed' : 'changed';
    emit(
      instructions === 'cosmetic' ? 'server.instructions.cosmetic' : 'server.instructions.changed',
      ['server', 'instructions'],
      instructions === 'cosmetic'
        ? 'server instructions changed in whitespace only'
        : `server instructions ${what}`,
      { before: bi.instructions, after: hi.instructions },
    );
  }
}

export function diffCapseal(b: ServerEntry, h: ServerEntry, emit: Emit): void {
  if (!same(b.sandbox, h.sandbox)) {
    emit('server.sandbox.changed', ['sandbox'], 'sandbox protections differ', {
      before: b.sandbox,
      after: h.sandbox,
      details: structuralDetails(b.sandbox, h.sandbox),
    });
  }
  if (!same(b.client, h.client)) {
    emit('server.client.changed', ['client'], 'client declaration differs', {
      before: b.client,
      after: h.client,
      details: structuralDetails(b.client, h.client),
    });
  }
}
