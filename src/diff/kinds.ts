import type { DriftSubject, Severity } from './types.js';

/** One drift rule: its stable kind name, fixed severity and the sentence docs and SARIF rules use. */
export interface DriftKindInfo {
  kind: string;
  severity: Severity;
  subject: DriftSubject;
  summary: string;
}

type EntrySubject = Exclude<DriftSubject, 'server'>;

/** The kind-name prefix of each entry subject (`resource-template.added`, …). */
export const SUBJECT_PREFIX: Record<EntrySubject, string> = {
  tool: 'tool',
  prompt: 'prompt',
  resource: 'resource',
  resourceTemplate: 'resource-template',
};

const SUBJECT_WORD: Record<EntrySubject, string> = {
  tool: 'tool',
  prompt: 'prompt',
  resource: 'resource',
  resourceTemplate: 'resource template',
};

function entryKinds(subject: EntrySubject): DriftKindInfo[] {
  const p = SUBJECT_PREFIX[subject];
  const w = SUBJECT_WORD[subject];
  const k = (kind: string, severity: Severity, summary: string): DriftKindInfo => ({
    kind: `${p}.${kind}`,
    severity,
    subject,
    summary,
  });
  const host = [
    k(
      'meta.ui.changed',
      'critical',
      `The MCP Apps UI metadata of a ${w} changed, appeared or disappeared (\`_meta.ui\`: resourceUri, csp, permissions such as camera or microphone).`,
    ),
    k(
      'meta.changed',
      'moderate',
      `The \`_meta\` of a ${w} changed (volatile keys excluded; \`ui\` reported on its own).`,
    ),
    k('icons.changed', 'moderate', `The icons a host shows for a ${w} changed.`),
  ];
  const common = [
    k('added', 'critical', `A ${w} was added (a new, unreviewed capability that may shadow another).`),
    k('removed', 'moderate', `A ${w} was removed.`),
    k(
      'renamed',
      'critical',
      `A ${w} disappeared and one with an identical body appeared under another name (likely rename).`,
    ),
    k(
      'name.confusable',
      'critical',
      `A new ${w} name uses look-alike (homoglyph) or invisible characters, or is confusable with another name.`,
    ),
  ];
  if (subject === 'tool') {
    return [
      ...common,
      k(
        'description.changed',
        'critical',
        'A tool description changed (prompt-injection / rug-pull vector).',
      ),
      k('description.cosmetic', 'info', 'A tool description changed in whitespace only.'),
      k('title.changed', 'critical', 'A tool title (or annotations.title) changed.'),
      k('title.cosmetic', 'info', 'A tool title changed in whitespace only.'),
      k(
        'input-schema.broadened',
        'critical',
        'The input schema accepts more than before, or may: new property, required removed, enum widened, ' +
          'type widened, pattern/format/length/range constraint dropped or loosened, additionalProperties/' +
          'unevaluatedProperties/patternProperties/dependentSchemas loosened, anyOf/oneOf alternatives, ' +
          '$ref/$defs/$schema/if changed.',
      ),
      k('input-schema.narrowed', 'moderate', 'The input schema accepts less than before.'),
      k(
        'input-schema.text.changed',
        'critical',
        'A string the model reads inside the input schema changed: description, title, examples, $comment, ' +
          'markdownDescription, string defaults, enum/const values, property names, vendor keywords.',
      ),
      k(
        'input-schema.changed',
        'moderate',
        'The input schema changed without broadening it or changing its text (numeric defaults, readOnly, …).',
      ),
      k(
        'input-schema.reordered',
        'info',
        'The input schema is canonically equal but its keys were reordered.',
      ),
      k(
        'output-schema.text.changed',
        'critical',
        'A string the model reads inside the output schema changed (descriptions, titles, property names, …).',
      ),
      k('output-schema.changed', 'moderate', 'The output schema changed structurally (types, bounds, …).'),
      k('output-schema.reordered', 'info', 'The output schema keys were reordered only.'),
      k(
        'annotation.dangerous',
        'critical',
        'An annotation flipped towards danger (readOnlyHint true→false, destructiveHint false→true, ' +
          'openWorldHint false→true, idempotentHint true→false; absent hints take their MCP defaults).',
      ),
      k('annotation.safer', 'info', 'An annotation flipped towards safety.'),
      k(
        'input-schema.header.changed',
        'critical',
        'An input-schema property gained or changed an `x-mcp-header` (the argument is mirrored into an `Mcp-Param-*` HTTP header that gateways route and authorize on).',
      ),
      k('execution.changed', 'moderate', 'The task support of a tool (`execution.taskSupport`) changed.'),
      ...host,
    ];
  }
  if (subject === 'prompt') {
    return [
      ...common,
      k('description.changed', 'moderate', 'A prompt description changed.'),
      k('description.cosmetic', 'info', 'A prompt description changed in whitespace only.'),
      k('title.changed', 'moderate', 'A prompt title changed.'),
      k('title.cosmetic', 'info', 'A prompt title changed in whitespace only.'),
      k('arguments.changed', 'moderate', "A prompt's arguments changed."),
      ...host,
    ];
  }
  return [
    ...common,
    k('description.changed', 'moderate', `A ${w} description changed.`),
    k('description.cosmetic', 'info', `A ${w} description changed in whitespace only.`),
    k('mime-type.changed', 'moderate', `A ${w} mimeType changed.`),
    k('name.changed', 'moderate', `A ${w} name or title changed.`),
    ...host,
  ];
}

/**
 * Every drift kind diffLocks can produce, with its severity. Kind names are stable: reports, SARIF rule ids,
 * policy packs (`drift[].kind`) and the drift kinds table in docs/drift.md all use them.
 */
export const DRIFT_KINDS: readonly DriftKindInfo[] = [
  {
    kind: 'server.added',
    severity: 'critical',
    subject: 'server',
    summary: 'A server is present live/in the new lockfile but not in the locked one.',
  },
  {
    kind: 'server.removed',
    severity: 'moderate',
    subject: 'server',
    summary: 'A locked server is no longer present (config or new lockfile).',
  },
  {
    kind: 'server.source.changed',
    severity: 'critical',
    subject: 'server',
    summary: 'How the server is launched or reached changed (command, args, cwd, env names, URL, transport).',
  },
  {
    kind: 'server.launch-pattern.changed',
    severity: 'critical',
    subject: 'server',
    summary:
      'The launch pattern (`source.launchPattern`: globs for arguments or working directory the proxy accepts besides the locked launch) was added or changed.',
  },
  {
    kind: 'server.launch-pattern.removed',
    severity: 'moderate',
    subject: 'server',
    summary: 'The launch pattern was removed: the proxy runs only the locked launch line again.',
  },
  {
    kind: 'server.artifact.changed',
    severity: 'critical',
    subject: 'server',
    summary: 'The artifact pin changed (npm integrity, file sha256, docker digest, or the artifact itself).',
  },
  {
    kind: 'server.version.changed',
    severity: 'info',
    subject: 'server',
    summary:
      'serverInfo.version changed (alone it changes no capability; an artifact change is reported on its own).',
  },
  {
    kind: 'server.info.changed',
    severity: 'moderate',
    subject: 'server',
    summary: 'serverInfo.name or serverInfo.title changed.',
  },
  {
    kind: 'server.protocol.changed',
    severity: 'moderate',
    subject: 'server',
    summary: 'The negotiated protocol version changed.',
  },
  {
    kind: 'server.capabilities.changed',
    severity: 'moderate',
    subject: 'server',
    summary: 'The capabilities the server declared changed (`extensions` reported on their own).',
  },
  {
    kind: 'server.capabilities.reordered',
    severity: 'info',
    subject: 'server',
    summary: 'The declared capabilities are canonically equal but their keys were reordered.',
  },
  {
    kind: 'server.instructions.changed',
    severity: 'critical',
    subject: 'server',
    summary: 'The server instructions handed to the model changed, appeared or disappeared.',
  },
  {
    kind: 'server.instructions.cosmetic',
    severity: 'info',
    subject: 'server',
    summary: 'The server instructions changed in whitespace only.',
  },
  {
    kind: 'server.era-split',
    severity: 'critical',
    subject: 'server',
    summary:
      'The server shows 2026-07-28 clients (server/discover) a different surface than 2025 clients (initialize); both are locked and every check of it fails.',
  },
  {
    kind: 'server.generations.changed',
    severity: 'moderate',
    subject: 'server',
    summary:
      'The protocol generations the server offers changed (it started or stopped answering server/discover or initialize).',
  },
  {
    kind: 'server.supported-versions.changed',
    severity: 'moderate',
    subject: 'server',
    summary:
      'The protocol versions the server advertises changed (server/discover `supportedVersions`, or the version negotiated in initialize).',
  },
  {
    kind: 'server.extensions.changed',
    severity: 'moderate',
    subject: 'server',
    summary:
      'The extensions the server declared changed (`capabilities.extensions`, e.g. MCP Apps or tasks).',
  },
  {
    kind: 'server.icons.changed',
    severity: 'moderate',
    subject: 'server',
    summary: 'The icons a host shows for the server changed.',
  },
  {
    kind: 'server.sandbox.changed',
    severity: 'info',
    subject: 'server',
    summary: 'The sandbox protections that applied while snapshotting differ (not a server change).',
  },
  {
    kind: 'server.client.changed',
    severity: 'info',
    subject: 'server',
    summary: 'The client declaration capseal used differs (a capseal change, not a server change).',
  },
  ...entryKinds('tool'),
  ...entryKinds('prompt'),
  ...entryKinds('resource'),
  ...entryKinds('resourceTemplate'),
];

const BY_KIND = new Map(DRIFT_KINDS.map((k) => [k.kind, k]));

/** The catalog entry of a kind; throws on an unknown kind (a bug: every emitted kind is catalogued). */
export function kindInfo(kind: string): DriftKindInfo {
  const info = BY_KIND.get(kind);
  if (info === undefined) throw new Error(`unknown drift kind ${kind}`);
  return info;
}
