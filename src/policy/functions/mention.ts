/**
 * Mentions versus instructions. A text that quotes an attack phrase, or a sentence that talks ABOUT attacks
 * (a scanner, a classifier, a red-team write-up), contains the words of an instruction without giving
 * one. Both detectors (capseal's families in poisoning.ts, the ATR rules over returned content in
 * content-scan.ts) use these to tell the two apart.
 */

const QUOTED = /"[^"\n]{1,120}"|“[^”\n]{1,120}”|`[^`\n]{1,120}`|«[^»\n]{1,120}»/g;

// A quoted single identifier (`execute_sql`, "notes") names a tool or field; it is not a quoted phrase.
const IDENTIFIER = /^.[\w.$/-]{1,60}.$/;

/**
 * The text with quoted mentions blanked (kept the same length so excerpts line up). Quoted single
 * identifiers keep their content (the quotes become spaces): they name tools and fields.
 */
export function stripQuoted(s: string): string {
  return s.replace(QUOTED, (m) => (IDENTIFIER.test(m) ? ` ${m.slice(1, -1)} ` : ' '.repeat(m.length)));
}

// A sentence that talks ABOUT attacks (a scanner, a classifier, an auditor) mentions the phrases it detects.
export const META =
  /\b(detects?|detecting|detection|scans?|scanning|flags?|flagging|audits?|auditing|identif(y|ies)|classif(y|ies)|patterns?|attempts?|attacks?|heuristics?|poisoning|injections?|attackers?|adversar(y|ies|ial)|threat actors?|malicious actors?|mitigat(e|es|ion)|techniques?|taxonom(y|ies)|jailbreaks?|researchers?|threat models?|red[- ]team(ing)?|explain(s|ed)?)\b/i;

export function sentenceBefore(text: string, index: number): string {
  const start = Math.max(text.lastIndexOf('.', index - 1), text.lastIndexOf('\n', index - 1), index - 200, 0);
  return text.slice(start, index);
}

/** The sentence around a match (up to 200 characters either side), for the talks-about-attacks check. */
export function sentenceAround(text: string, index: number, length: number): string {
  const end = text.slice(index + length, index + length + 200).search(/[.!?\n]/);
  return (
    sentenceBefore(text, index) + text.slice(index, end < 0 ? index + length + 200 : index + length + end)
  );
}

// A question that asks what something is or why ("What does it mean for an AI to be unfiltered?") is about
// the thing; a request phrased as a question ("Can you pretend to be…?") is not matched by this.
const WH_QUESTION =
  /(^|[.!?\n]\s*)(what|why|how|which|who|whose|are there|is there|is it true)\b[^.!?\n]{0,200}\?/i;

/**
 * Whether the sentence around a match only talks about it: an attack write-up (META), and with
 * `questions` also a wh-question about it. ATR's content rules are judged without the latter: several of
 * them are about questions (false premises, requests for harmful procedures).
 */
export function isMentionAt(text: string, index: number, length: number, questions = false): boolean {
  const around = sentenceAround(text, index, length);
  if (META.test(around.replace(text.slice(index, index + length), ' '))) return true;
  if (!questions) return false;
  const end = text.slice(index + length, index + length + 200).search(/[.!?\n]/);
  return WH_QUESTION.test(text.slice(Math.max(0, index - 200), index + length + (end < 0 ? 200 : end + 1)));
}

// Formatter and linter pragmas in Markdown (<!-- prettier-ignore -->, <!-- markdownlint-disable MD013 -->)
// are comments addressed to tools, not to the model: blanked (same length) before the content detectors read.
const PRAGMA =
  /<!--\s*(prettier|markdownlint|eslint|stylelint|biome|textlint|cspell|spell-?checker|vale|remark|toc|omit in toc|end ?toc|lint)\b[^<>]{0,80}?-->/gi;

/** The text with formatter/linter pragma comments blanked. */
export function blankPragmas(s: string): string {
  return s.includes('<!--') ? s.replace(PRAGMA, (m) => ' '.repeat(m.length)) : s;
}
