import { type AtrRuleSet, matchAtr } from './atr.js';
import { blankPragmas, isMentionAt } from './mention.js';
import { matchViewsWithRaw } from './normalize.js';
import { analyzeText, POISON_FAMILIES, type PoisonFamily } from './poisoning.js';

/**
 * Injection signals in what a server returns (tool results, prompt messages, resource contents). The same
 * normalization and detectors as for definitions, minus the families that ordinary returned data trips
 * (base64 blobs, other languages, secrets and paths mentioned in files or logs, "always call X" in help
 * text, cross-tool wording in API docs): what remains are instructions aimed at the model. Plus the ATR
 * rules of the `content` set, whose hits count unless the sentence around them talks about attacks (a
 * write-up that names a jailbreak, a question about one) the way capseal's own families already judge.
 */
const DEFINITION_ONLY = new Set<PoisonFamily>([
  'coercion',
  'shadowing',
  'secrets',
  'base64',
  'foreign-payload',
  'malware-code',
]);
export const CONTENT_FAMILIES: readonly PoisonFamily[] = POISON_FAMILIES.filter(
  (f) => !DEFINITION_ONLY.has(f),
);

/** One signal and the span of the raw text it is about (the whole text when the match was in a decoded view). */
export interface ContentFinding {
  signal: string;
  span: string;
}

/** The findings for one returned text (at most MAX_SCAN_CHARS of it are read). */
export function scanText(raw: string, atr?: AtrRuleSet): ContentFinding[] {
  if (raw.length < 8) return [];
  const text = blankPragmas(raw);
  const out: ContentFinding[] = [];
  const span = (evidence: string) => (evidence !== '' && raw.includes(evidence) ? evidence : raw);
  const found = analyzeText(text, CONTENT_FAMILIES);
  for (const family of CONTENT_FAMILIES) {
    const evidence = found[family];
    const at = evidence === '' ? -1 : text.indexOf(evidence);
    if (family === 'persona' && at >= 0 && isMentionAt(text, at, evidence.length, true)) continue;
    if (evidence !== '') out.push({ signal: family, span: span(evidence) });
  }
  if (atr !== undefined)
    for (const hit of matchAtr(atr, matchViewsWithRaw(text), 'content')) {
      const at = text.indexOf(hit.evidence);
      if (at >= 0 && isMentionAt(text, at, hit.evidence.length)) continue;
      out.push({ signal: hit.id, span: span(hit.evidence) });
    }
  return out;
}
