import type { Artifact, Sandbox, ServerEntry, ToolEntry } from '../lockfile/index.js';
import { compareKeys } from '../lockfile/index.js';

function firstLine(text: string | undefined, max = 72): string {
  const line = (text ?? '').split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const trimmed = line.trim();
  return trimmed.length > max ? `${trimmed.slice(0, max - 1)}…` : trimmed;
}

export function describeArtifact(artifact: Artifact): string {
  switch (artifact.kind) {
    case 'npm':
      return `npm ${artifact.name}@${artifact.version} ${artifact.integrity.slice(0, 20)}…`;
    case 'file':
      return `file ${artifact.path} sha256:${artifact.sha256.slice(0, 12)}…`;
    case 'docker':
      return `docker ${artifact.image} ${artifact.digest ?? '(digest unresolved)'}`;
    case 'remote':
      return `remote ${artifact.url} (only the URL is pinned)`;
    case 'unresolved':
      return `unresolved: ${artifact.reason}`;
  }
}

function describeSandbox(sandbox: Sandbox): string {
  if (sandbox.network === 'not-applicable') return 'none (remote server)';
  return `env ${sandbox.env} · HOME ${sandbox.home} · cwd ${sandbox.cwd} · network ${sandbox.network}`;
}

/** `2026-07-28 + 2025-11-25`, `2025-11-25 only` (a version-1 entry: the 2025 generation only). */
export function describeGenerationsOf(entry: ServerEntry): string {
  const g = entry.generations ?? { legacy: { protocolVersion: entry.server.protocolVersion } };
  const versions: string[] = [];
  if (g.modern !== undefined) versions.push(...g.modern.supportedVersions);
  if (g.legacy !== undefined) versions.push(g.legacy.protocolVersion);
  return versions.length === 1 ? `${versions[0]} only` : versions.join(' + ');
}

function toolFlags(tool: ToolEntry): string {
  const a = tool.annotations;
  const flags: string[] = [];
  if (a?.readOnlyHint === true) flags.push('read-only');
  if (a?.destructiveHint === true) flags.push('destructive');
  if (a?.openWorldHint === true) flags.push('open-world');
  return flags.length === 0 ? '' : `  [${flags.join(', ')}]`;
}

function section<E>(
  title: string,
  record: Record<string, E>,
  describe: (key: string, entry: E) => string,
): string[] {
  const keys = Object.keys(record).sort(compareKeys);
  if (keys.length === 0) return [`  ${title}: none`];
  const width = Math.min(40, Math.max(...keys.map((k) => k.length)));
  return [
    `  ${title} (${keys.length}):`,
    ...keys.map((k) => `    ${k.padEnd(width)}  ${describe(k, record[k] as E)}`.trimEnd()),
  ];
}

/**
 * The human-readable `capseal scan` report: for each server, who it says it is, what runs, which sandbox
 * applied, and every tool, prompt, resource and template with the first line of its description. Pure.
 */
export function renderScanSummary(servers: Record<string, ServerEntry>): string {
  const out: string[] = [];
  for (const name of Object.keys(servers).sort(compareKeys)) {
    const e = servers[name] as ServerEntry;
    const s = e.server;
    out.push(`${name}: ${s.title ?? s.name} ${s.version} (${s.name}; protocol ${s.protocolVersion})`);
    out.push(`  generations: ${describeGenerationsOf(e)}`);
    if (e.eras !== undefined) {
      const legacyTools = Object.keys(e.eras.legacy.tools).sort(compareKeys).join(', ') || 'none';
      out.push(`  ERA SPLIT: 2025 clients (initialize) get another surface; their tools: ${legacyTools}`);
    }
    out.push(`  artifact: ${describeArtifact(e.artifact)}`);
    out.push(`  sandbox:  ${describeSandbox(e.sandbox)}`);
    out.push(`  capabilities: ${Object.keys(s.capabilities).sort(compareKeys).join(', ') || 'none'}`);
    if (s.instructions !== undefined) out.push(`  instructions: ${firstLine(s.instructions)}`);
    out.push(...section('tools', e.tools, (_k, t) => `${firstLine(t.description)}${toolFlags(t)}`));
    out.push(
      ...section('prompts', e.prompts, (_k, p) => {
        const args = (p.arguments ?? []).map((a) => (a.required ? a.name : `${a.name}?`)).join(', ');
        return `${args === '' ? '' : `(${args}) `}${firstLine(p.description)}`;
      }),
    );
    out.push(
      ...section('resources', e.resources, (_k, r) => `${r.name}${r.mimeType ? ` (${r.mimeType})` : ''}`),
    );
    out.push(...section('resource templates', e.resourceTemplates, (_k, t) => t.name));
    out.push('');
  }
  return `${out.join('\n')}`;
}
