import { type AtrRuleSet, matchAtr } from './atr.js';
import { matchViewsWithRaw } from './normalize.js';
import { analyzeText, type PoisonFamily } from './poisoning.js';

/**
 * Injection signals in what a server returns (tool results, prompt messages, resource contents). The same
 * normalization and detectors as for definitions, minus the families that ordinary returned data trips
 * (base64 blobs, other languages, secrets and paths mentioned in files or logs, "always call X" in help
 * text): what remains are instructions aimed at the model. Plus the ATR rules of the `content` set.
 */
export const CONTENT_FAMILIES: readonly PoisonFamily[] = [
  'pseudo-tag',
  'override',
  'concealment',
  'exfiltration',
  'prompt-leak',
  'persona',
  'model-address',
  'permission-bypass',
  'fake-error',
  'impersonation',
  'hidden-unicode',
  'ansi',
];

/** One signal and the span of the raw text it is about (the whole text when the match was in a decoded view). */
export interface ContentFinding {
  signal: string;
  span: string;
}

/** The findings for one returned text (at most MAX_SCAN_CHARS of it are read). */
export function scanText(text: string, atr?: AtrRuleSet): ContentFinding[] {
  if (text.length < 8) return [];
  const out: ContentFinding[] = [];
  const span = (evidence: string) => (evidence !== '' && text.includes(evidence) ? evidence : text);
  const found = analyzeText(text, CONTENT_FAMILIES);
  for (const family of CONTENT_FAMILIES) {
    const evidence = found[family];
    if (evidence !== '') out.push({ signal: family, span: span(evidence) });
  }
  if (atr !== undefined)
    for (const hit of matchAtr(atr, matchViewsWithRaw(text), 'content'))
      out.push({ signal: hit.id, span: span(hit.evidence) });
  return out;
}
