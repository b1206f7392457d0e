import type { ServerEntry } from '../lockfile/schema.js';
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

/** Drift in what identifies a server: launch, artifact pin, serverInfo, protocol, instructions, client. */
export function diffServerLevel(b: ServerEntry, h: ServerEntry, emit: Emit): void {
  if (!same(b.source, h.source)) {
    emit(
      'server.source.changed',
      ['source'],
      `launch changed: ${describeSource(b.source)} → ${describeSource(h.source)}`,
      { before: b.source, after: h.source, details: structuralDetails(b.source, h.source) },
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
  if (bi.protocolVersion !== hi.protocolVersion) {
    emit(
      'server.protocol.changed',
      ['server', 'protocolVersion'],
      `protocol version ${bi.protocolVersion} → ${hi.protocolVersion}`,
      { before: bi.protocolVersion, after: hi.protocolVersion },
    );
  }
  if (!same(bi.capabilities, hi.capabilities)) {
    emit('server.capabilities.changed', ['server', 'capabilities'], 'declared capabilities changed', {
      before: bi.capabilities,
      after: hi.capabilities,
      details: structuralDetails(bi.capabilities, hi.capabilities),
    });
  } else if (verbatim(bi.capabilities) !== verbatim(hi.capabilities)) {
    emit(
      'server.capabilities.reordered',
      ['server', 'capabilities'],
      'declared capabilities reordered (same content)',
      { before: bi.capabilities, after: hi.capabilities },
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
