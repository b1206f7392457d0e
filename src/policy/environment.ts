import { Environment } from '@marcbachmann/cel-js';
import { installStepMeter, meter } from './budget.js';
import { type AtrHit, type AtrRuleSet, matchAtr } from './functions/atr.js';
import { type ContentFinding, scanText } from './functions/content-scan.js';
import {
  contradictsAnnotations,
  contradictsSchema,
  languageOf,
  majorityLanguage,
} from './functions/intent.js';
import { decodedRuns, deobfuscate, matchViewsWithRaw, visibleText } from './functions/normalize.js';
import {
  isPrivateHost,
  isSensitivePath,
  pathHasTraversal,
  pathIsUnder,
  pathNormalize,
  urlHost,
  urlIsPrivate,
  urlScheme,
} from './functions/path-url.js';
import { analyzeText, POISON_FAMILIES, type PoisonFamily } from './functions/poisoning.js';
import {
  base64Blobs,
  confusableChars,
  foreignPayload,
  hasAnsi,
  hasControlChars,
  hiddenChars,
  isConfusableName,
  nameSkeleton,
  scriptsOf,
} from './functions/text.js';
import { collectStrings, type PolicyInput } from './input.js';

/**
 * The CEL environment every rule compiles against: typed variables for the policy input (so a misspelled
 * field is a load-time error), the scope variables, and capseal's custom functions. Built once per
 * compilePacks; the value classes below are what the typed variables hold at evaluation time.
 */

class CelServer {}
class CelServerInfo {}
class CelArtifact {}
class CelSandbox {}
class CelTool {}
class CelPrompt {}
class CelPromptArgument {}
class CelResource {}
class CelTemplate {}
class CelDrift {}
class CelCall {}
class CelResult {}

const str = 'string';
const strs = 'list<string>';
const dynMap = 'map<string, dyn>';

const TYPES: [string, new () => object, Record<string, string>][] = [
  [
    'ServerInfo',
    CelServerInfo,
    { name: str, version: str, title: str, protocolVersion: str, capabilities: dynMap, instructions: str },
  ],
  [
    'Artifact',
    CelArtifact,
    {
      kind: str,
      name: str,
      version: str,
      integrity: str,
      path: str,
      sha256: str,
      image: str,
      digest: str,
      url: str,
      reason: str,
    },
  ],
  ['Sandbox', CelSandbox, { env: str, home: str, cwd: str, network: str }],
  [
    'Server',
    CelServer,
    {
      name: str,
      info: 'ServerInfo',
      transport: str,
      command: str,
      args: strs,
      url: str,
      artifact: 'Artifact',
      sandbox: 'Sandbox',
    },
  ],
  [
    'Tool',
    CelTool,
    {
      name: str,
      title: str,
      description: str,
      inputSchema: dynMap,
      outputSchema: dynMap,
      annotations: dynMap,
      texts: strs,
    },
  ],
  ['PromptArgument', CelPromptArgument, { name: str, title: str, description: str, required: 'bool' }],
  [
    'Prompt',
    CelPrompt,
    { name: str, title: str, description: str, arguments: 'list<PromptArgument>', texts: strs },
  ],
  [
    'Resource',
    CelResource,
    { uri: str, name: str, title: str, description: str, mimeType: str, texts: strs },
  ],
  [
    'Template',
    CelTemplate,
    { uriTemplate: str, name: str, title: str, description: str, mimeType: str, texts: strs },
  ],
  ['Drift', CelDrift, { kind: str, severity: str, subject: str, key: str, path: str, message: str }],
  ['Call', CelCall, { method: str, tool: str, uri: str, prompt: str, arguments: dynMap }],
  ['Result', CelResult, { method: str, name: str, texts: strs, truncated: 'bool' }],
];

/** Scopes a rule can iterate over, the variable each binds, and the input list it walks. */
export const SCOPES = {
  server: { variable: undefined, list: undefined },
  tool: { variable: 'tool', list: 'tools' },
  prompt: { variable: 'prompt', list: 'prompts' },
  resource: { variable: 'resource', list: 'resources' },
  template: { variable: 'template', list: 'templates' },
  drift: { variable: 'change', list: 'drift' },
} as const;
export type Scope = keyof typeof SCOPES;

const SCOPE_TYPE: Record<Scope, string | undefined> = {
  server: undefined,
  tool: 'Tool',
  prompt: 'Prompt',
  resource: 'Resource',
  template: 'Template',
  drift: 'Drift',
};

const cost = (s: string) => meter.charge(1 + (s.length >> 8));

const DESTRUCTIVE = new Set(
  'delete del remove rm drop destroy kill wipe truncate purge erase overwrite write update edit modify set put patch create insert move rename reset format uninstall revoke terminate shutdown stop restart deploy push publish send transfer pay execute exec run'.split(
    ' ',
  ),
);
const SHELL = new Set(
  'shell exec eval bash sh zsh cmd powershell pwsh terminal subprocess spawn system popen command runcommand runscript'.split(
    ' ',
  ),
);
const SAFE_READ = new Set(
  'get list read search find describe show view count lookup query fetch stat inspect check echo ping explain summarize summarise validate preview browse peek resolve'.split(
    ' ',
  ),
);

/** Words of an identifier: camelCase, snake_case, kebab-case and dotted names split and lowercased. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** True when a tool name reads like a shell/exec/eval entry point (run_command, execShell, bash…). */
export const looksLikeShell = (name: string) => {
  const words = nameWords(name);
  return words.some((w) => SHELL.has(w)) || words.join('').match(/^run(command|script|shell)$/) !== null;
};
/** True when a tool name reads like it changes or destroys state (delete_x, writeFile, send-mail…). */
export const looksDestructive = (name: string) => nameWords(name).some((w) => DESTRUCTIVE.has(w));
/** True when a tool name starts with a read verb (get_, list_, read_, search_, …). */
export const isSafeReadName = (name: string) => SAFE_READ.has(nameWords(name)[0] ?? '');

/** Which of `names` occur in `text` as whole words (case-sensitive; names of 3+ characters). */
export function mentionsAny(text: string, names: readonly string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    if (n.length < 3) continue;
    let i = text.indexOf(n);
    while (i >= 0) {
      const before = text[i - 1] ?? ' ';
      const after = text[i + n.length] ?? ' ';
      if (!/[\w-]/.test(before) && !/[\w-]/.test(after)) {
        out.push(n);
        break;
      }
      i = text.indexOf(n, i + 1);
    }
  }
  return out;
}

export interface FunctionDoc {
  signature: string;
  description: string;
}

const FUNCTION_DOCS: FunctionDoc[] = [];

/** Every custom function with its CEL signature and a one-line description (policies/README.md lists them). */
export function describeFunctions(): FunctionDoc[] {
  if (FUNCTION_DOCS.length === 0) createBaseEnvironment();
  return [...FUNCTION_DOCS];
}

/** What the environment's detectors need besides the input: the ATR rules, when a pack uses them. */
export interface DetectorSet {
  atr?: AtrRuleSet;
}

/** `ATR-2026-00100 (Title): evidence` for a hit. */
export function describeAtrHit(hit: AtrHit): string {
  return `${hit.id} (${hit.title}): ${hit.evidence}`;
}

function createBaseEnvironment(detectors: DetectorSet = {}): Environment {
  const env = new Environment({
    enableOptionalTypes: true,
    homogeneousAggregateLiterals: false,
    limits: {
      maxAstNodes: 4_000,
      maxDepth: 64,
      maxListElements: 512,
      maxMapEntries: 256,
      maxCallArguments: 8,
    },
  });
  for (const [name, ctor, fields] of TYPES) env.registerType(name, { ctor, fields });
  env
    .registerVariable('server', 'Server')
    .registerVariable('tools', 'list<Tool>')
    .registerVariable('prompts', 'list<Prompt>')
    .registerVariable('resources', 'list<Resource>')
    .registerVariable('templates', 'list<Template>')
    .registerVariable('drift', 'list<Drift>')
    .registerVariable('call', 'Call')
    .registerVariable('result', 'Result');

  const fn = (signature: string, description: string, handler: (...args: never[]) => unknown) => {
    FUNCTION_DOCS.push({ signature, description });
    env.registerFunction(signature, handler as (...args: unknown[]) => unknown);
  };
  FUNCTION_DOCS.length = 0;
  // One analysis per distinct text, shared by every family rule of every pack compiled together.
  const analyses = new Map<string, Record<PoisonFamily, string>>();
  const cachedPoison = (text: string, family: string): string => {
    let found = analyses.get(text);
    if (found === undefined) {
      cost(text);
      found = analyzeText(text);
      if (analyses.size > 50_000) analyses.clear();
      analyses.set(text, found);
    }
    return found[family as PoisonFamily] ?? '';
  };

  const atrCache = new Map<string, AtrHit[]>();
  const atrHits = (text: string): AtrHit[] => {
    const set = detectors.atr;
    if (set === undefined)
      throw new Error('the Agent Threat Rules were not loaded (read packs with readPacks)');
    let hits = atrCache.get(text);
    if (hits === undefined) {
      cost(text);
      meter.charge(set.rules.length * (1 + (text.length >> 10)));
      hits = matchAtr(set, matchViewsWithRaw(text), 'definition');
      if (atrCache.size > 50_000) atrCache.clear();
      atrCache.set(text, hits);
    }
    return hits;
  };
  fn(
    'atrMatches(string): list<string>',
    'Ids of the Agent Threat Rules (definition set) that fire on the normalized text',
    (s: string) => atrHits(s).map((h) => h.id),
  );
  fn(
    'atrMatch(string): string',
    'The first Agent Threat Rule that fires on the text as "ATR-id (title): evidence", or ""',
    (s: string) => {
      const hit = atrHits(s)[0];
      return hit === undefined ? '' : describeAtrHit(hit);
    },
  );
  const contentCache = new Map<string, ContentFinding[]>();
  const contentHits = (text: string): ContentFinding[] => {
    let found = contentCache.get(text);
    if (found === undefined) {
      cost(text);
      found = scanText(text, detectors.atr);
      if (contentCache.size > 10_000) contentCache.clear();
      contentCache.set(text, found);
    }
    return found;
  };
  fn(
    'contentSignals(string): list<string>',
    'Injection signals in returned content: capseal families and ATR rule ids of the content set',
    (s: string) => contentHits(s).map((f) => f.signal),
  );
  fn(
    'contentSpans(string): list<string>',
    'The offending spans of returned content (what action: redact cuts out)',
    (s: string) => [...new Set(contentHits(s).map((f) => f.span))],
  );
  fn(
    'contentSpans(list<string>): list<string>',
    'contentSpans of every text, e.g. spans: contentSpans(result.texts)',
    (texts: string[]) => [...new Set(texts.flatMap((s) => contentHits(s).map((f) => f.span)))],
  );
  fn(
    'normalizeText(string): string',
    'NFKC, invisible characters removed, look-alikes folded, split words joined, leetspeak read',
    (s: string) => {
      cost(s);
      return deobfuscate(visibleText(s));
    },
  );
  fn(
    'decodedRuns(string): list<string>',
    'Printable texts hidden in base64, hex or URL-encoded runs',
    (s: string) => {
      cost(s);
      return decodedRuns(s);
    },
  );
  fn(
    'contradictsAnnotations(string, map<string, dyn>): string',
    'How the description contradicts readOnlyHint/destructiveHint/openWorldHint, or ""',
    (s: string, annotations: Map<string, unknown> | Record<string, unknown>) => {
      cost(s);
      return contradictsAnnotations(
        s,
        annotations instanceof Map ? Object.fromEntries(annotations) : annotations,
      );
    },
  );
  fn(
    'contradictsSchema(string, map<string, dyn>): string',
    'The description claims read-only but the input schema has a write/delete/exec parameter, or ""',
    (s: string, schema: Map<string, unknown> | Record<string, unknown>) => {
      cost(s);
      const plain = schema instanceof Map ? Object.fromEntries(schema) : schema;
      const props = plain.properties instanceof Map ? Object.fromEntries(plain.properties) : plain.properties;
      return contradictsSchema(s, { ...plain, properties: props });
    },
  );
  // One majority per tools list (the same list object for every tool of a server), one language per text.
  const majorities = new WeakMap<object, string>();
  fn(
    'languageOutlier(string, list<Tool>): string',
    'The text\'s language when it differs from the language most of the tools\' descriptions are in, or ""',
    (s: string, list: { description: string }[]) => {
      let majority = majorities.get(list);
      if (majority === undefined) {
        meter.charge(1 + list.length);
        majority = majorityLanguage(list.map((t) => t.description)).language;
        majorities.set(list, majority);
      }
      cost(s);
      const mine = languageOf(s);
      return mine !== '' && majority !== '' && mine !== majority ? mine : '';
    },
  );
  fn(
    'hiddenChars(string): list<string>',
    'Invisible/bidi/tag characters as U+XXXX (emoji joiners excepted)',
    (s: string) => {
      cost(s);
      return hiddenChars(s);
    },
  );
  fn('hasHiddenChars(string): bool', 'hiddenChars(s) is not empty', (s: string) => {
    cost(s);
    return hiddenChars(s).length > 0;
  });
  fn('hasAnsi(string): bool', 'Contains an ANSI escape (ESC or CSI)', (s: string) => {
    cost(s);
    return hasAnsi(s);
  });
  fn(
    'hasControlChars(string): bool',
    'Contains a control character other than tab/newline/CR',
    (s: string) => {
      cost(s);
      return hasControlChars(s);
    },
  );
  fn(
    'confusableChars(string): list<string>',
    'Non-ASCII characters that look like ASCII letters',
    (s: string) => {
      cost(s);
      return confusableChars(s);
    },
  );
  fn(
    'isConfusableName(string): bool',
    'Identifier mixes scripts, uses ASCII look-alikes, invisible or fullwidth characters',
    (s: string) => {
      cost(s);
      return isConfusableName(s);
    },
  );
  fn(
    'nameSkeleton(string): string',
    'Lowercase ASCII look-alike skeleton (equal skeletons = confusable)',
    (s: string) => {
      cost(s);
      return nameSkeleton(s);
    },
  );
  fn(
    'scripts(string): list<string>',
    'Unicode scripts of the letters (Latin, Cyrillic, Greek, …)',
    (s: string) => {
      cost(s);
      return scriptsOf(s);
    },
  );
  fn('base64Blobs(string): list<string>', 'Base64-looking runs of 40+ characters', (s: string) => {
    cost(s);
    return base64Blobs(s);
  });
  fn('hasLongBase64(string): bool', 'base64Blobs(s) is not empty', (s: string) => {
    cost(s);
    return base64Blobs(s).length > 0;
  });
  fn(
    'foreignPayload(string): string',
    'A long non-Latin passage hidden in mostly-Latin text, or ""',
    (s: string) => {
      cost(s);
      return foreignPayload(s);
    },
  );
  fn(
    'poisonSignals(string): list<string>',
    `Poisoning families that fire on the text: ${POISON_FAMILIES.join(', ')}`,
    (s: string) => POISON_FAMILIES.filter((f) => cachedPoison(s, f) !== ''),
  );
  fn(
    'poisonMatch(string, string): string',
    'Evidence for one poisoning family in the text, or ""',
    cachedPoison,
  );
  fn(
    'hasPoison(string, string): bool',
    'poisonMatch(text, family) != ""',
    (s: string, f: string) => cachedPoison(s, f) !== '',
  );
  fn('pathNormalize(string): string', 'Percent-decode, \\ → /, fold . and ..', (s: string) => {
    cost(s);
    return pathNormalize(s);
  });
  fn(
    'pathIsUnder(string, string): bool',
    'Normalized path equals or lies under the root',
    (p: string, r: string) => {
      cost(p);
      return pathIsUnder(p, r);
    },
  );
  fn('pathHasTraversal(string): bool', 'Has a .. segment (also encoded or with \\)', (s: string) => {
    cost(s);
    return pathHasTraversal(s);
  });
  fn(
    'isSensitivePath(string): bool',
    'SSH keys, .env, cloud/registry credentials, /etc/shadow, key files',
    (s: string) => {
      cost(s);
      return isSensitivePath(s);
    },
  );
  fn('urlScheme(string): string', 'Lowercase scheme without ":" ("" if none)', (s: string) => {
    cost(s);
    return urlScheme(s);
  });
  fn('urlHost(string): string', 'Lowercase host ("" if not a URL)', (s: string) => {
    cost(s);
    return urlHost(s);
  });
  fn('isPrivateHost(string): bool', 'Loopback, RFC 1918, link-local, CGNAT, ULA, localhost', (s: string) => {
    cost(s);
    return isPrivateHost(s);
  });
  fn('urlIsPrivate(string): bool', "The URL's host is private (isPrivateHost)", (s: string) => {
    cost(s);
    return urlIsPrivate(s);
  });
  fn(
    'strings(dyn): list<string>',
    'Every string value nested in a value (and the property names under JSON Schema `properties`)',
    (v: unknown) => {
      const out = collectStrings(v, [], 0, new Set());
      meter.charge(1 + out.length);
      return out;
    },
  );
  fn('looksLikeShell(string): bool', 'Name reads like shell/exec/eval/run_command', (s: string) => {
    cost(s);
    return looksLikeShell(s);
  });
  fn('looksDestructive(string): bool', 'Name reads like delete/write/update/send/execute…', (s: string) => {
    cost(s);
    return looksDestructive(s);
  });
  fn('isSafeReadName(string): bool', 'Name starts with get/list/read/search/find/describe/…', (s: string) => {
    cost(s);
    return isSafeReadName(s);
  });
  fn(
    'mentionsAny(string, list<string>): list<string>',
    'Which of the names occur in the text as whole words',
    (s: string, names: string[]) => {
      meter.charge(1 + ((s.length * names.length) >> 8));
      return mentionsAny(s, names);
    },
  );
  fn('excerpt(string, int): string', 'At most n characters, with … when cut', (s: string, n: bigint) => {
    const max = Number(n);
    return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
  });
  installStepMeter(env);
  return env;
}

export interface ScopedEnvironments {
  all: Record<Scope, Environment>;
}

/** One environment per scope (each adds its scope variable to the frozen base). */
export function createEnvironments(detectors: DetectorSet = {}): Record<Scope, Environment> {
  const base = createBaseEnvironment(detectors);
  const out = {} as Record<Scope, Environment>;
  for (const scope of Object.keys(SCOPES) as Scope[]) {
    const env = base.clone();
    const variable = SCOPES[scope].variable;
    const type = SCOPE_TYPE[scope];
    if (variable !== undefined && type !== undefined) env.registerVariable(variable, type);
    out[scope] = env;
  }
  return out;
}

function make<T extends object>(ctor: new () => T, fields: object): T {
  return Object.assign(new ctor(), fields);
}

export interface CelContext {
  result?: object;
  server: object;
  tools: object[];
  prompts: object[];
  resources: object[];
  templates: object[];
  drift: object[];
  call?: object;
}

/** Convert a PolicyInput into the typed CEL values (once per input; cheap relative to evaluation). */
export function toCelContext(input: PolicyInput): CelContext {
  const s = input.server;
  return {
    server: make(CelServer, {
      ...s,
      info: make(CelServerInfo, s.info),
      artifact: make(CelArtifact, s.artifact),
      sandbox: make(CelSandbox, s.sandbox),
    }),
    tools: input.tools.map((t) => make(CelTool, t)),
    prompts: input.prompts.map((p) =>
      make(CelPrompt, { ...p, arguments: p.arguments.map((a) => make(CelPromptArgument, a)) }),
    ),
    resources: input.resources.map((r) => make(CelResource, r)),
    templates: input.templates.map((r) => make(CelTemplate, r)),
    drift: input.drift.map((d) => make(CelDrift, d)),
    ...(input.call === undefined ? {} : { call: toCelCall(input.call) }),
  };
}

export function toCelCall(call: NonNullable<PolicyInput['call']>): object {
  return make(CelCall, call);
}

export function toCelResult(result: NonNullable<PolicyInput['result']>): object {
  return make(CelResult, result);
}
