import { Environment } from '@marcbachmann/cel-js';
import { describeConfusableAcross, describeConfusableNames } from '../diff/index.js';
import { installStepMeter, meter } from './budget.js';
import { type DetectorSet, registerDetectorFunctions } from './detector-functions.js';
import { isSafeReadName, looksDestructive, looksLikeShell, mentionsAny } from './functions/names.js';
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

export { isSafeReadName, looksDestructive, looksLikeShell, mentionsAny };

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
      peerTools: strs,
      peerPrompts: strs,
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

  registerDetectorFunctions(fn, detectors);
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
    'confusableNames(list<string>): list<string>',
    'Names of the list that are look-alikes of another or suspicious alone, as `"name": reasons`',
    (names: unknown[]) => {
      const list = names.map(String);
      for (const n of list) cost(n);
      return describeConfusableNames(list);
    },
  );
  fn(
    'confusableAcross(list<string>, list<string>): list<string>',
    'Names of the first list confusable with a different name of the second (e.g. server.peerTools), except a plain name beside one suspicious on its own, as `"name": reason`',
    (names: unknown[], others: unknown[]) => {
      const list = names.map(String);
      const against = others.map(String);
      for (const n of [...list, ...against]) cost(n);
      return describeConfusableAcross(list, against);
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
