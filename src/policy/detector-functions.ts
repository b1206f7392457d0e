import { meter } from './budget.js';
import { type AtrHit, type AtrRuleSet, matchAtr } from './functions/atr.js';
import { type ContentFinding, scanText } from './functions/content-scan.js';
import {
  contradictsAnnotations,
  contradictsSchema,
  languageOf,
  majorityLanguage,
} from './functions/intent.js';
import { decodedRuns, deobfuscate, matchViewsWithRaw, visibleText } from './functions/normalize.js';

/**
 * The CEL functions of the second detector and the cross-text checks (issue 16): the Agent Threat Rules,
 * normalization, runtime content signals, annotation/schema contradictions and language outliers. Each
 * keeps its own per-environment cache and charges the step meter like the other custom functions.
 */

/** What the environment's detectors need besides the input: the ATR rules, when a pack uses them. */
export interface DetectorSet {
  atr?: AtrRuleSet;
}

/** `ATR-2026-00100 (Title): evidence` for a hit. */
export function describeAtrHit(hit: AtrHit): string {
  return `${hit.id} (${hit.title}): ${hit.evidence}`;
}

const cost = (s: string) => meter.charge(1 + (s.length >> 8));

type Register = (signature: string, description: string, handler: (...args: never[]) => unknown) => void;

/** Register the detector functions on an environment being built (see environment.ts). */
export function registerDetectorFunctions(fn: Register, detectors: DetectorSet): void {
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
}
