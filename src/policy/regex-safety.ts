import { errorMessage } from '../shared/index.js';

/**
 * Reject regular expressions that can backtrack catastrophically (JavaScript has no linear-time engine):
 * a quantified group that itself contains a quantifier or an alternation ((a+)+, (a|aa)*, (\w+\s?)*),
 * backreferences, and patterns longer than `maxLength` (512) characters. Conservative on purpose: a rule author can
 * always rewrite such a pattern, a hostile input cannot be rewritten. Returns the reason, or "" when safe.
 */
export function unsafeRegexReason(pattern: string, maxLength = 512): string {
  if (pattern.length > maxLength) return `pattern longer than ${maxLength} characters`;
  try {
    new RegExp(pattern);
  } catch (error) {
    return `invalid regular expression: ${errorMessage(error)}`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) return 'backreferences are not allowed';
  // Stack of open groups: does the group contain a quantifier or an alternation?
  const stack: { risky: boolean }[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(') {
      stack.push({ risky: false });
      continue;
    }
    const top = stack.at(-1);
    if (c === '|' && top) top.risky = true;
    const isQuant = c === '*' || c === '+' || c === '?' || c === '{';
    if (isQuant && top && !(c === '?' && pattern[i - 1] === '(')) {
      // `?` right after `(` is a group modifier, and a lazy `?` after a quantifier is not a new one.
      const prev = pattern[i - 1];
      if (!(c === '?' && (prev === '*' || prev === '+' || prev === '?' || prev === '}'))) top.risky = true;
    }
    if (c === ')') {
      const closed = stack.pop();
      const next = pattern[i + 1];
      const quantified = next === '*' || next === '+' || next === '{' || next === '?';
      if (closed?.risky && quantified && next !== '?') {
        return 'a repeated group contains a quantifier or alternation (catastrophic backtracking)';
      }
      const parent = stack.at(-1);
      if (parent && (closed?.risky || quantified)) parent.risky = true;
    }
  }
  return '';
}
