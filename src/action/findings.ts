import type { Drift } from '../diff/index.js';
import { codeBlock, codeSpan, diffLines, escapeMarkdown } from '../report/index.js';
import type { InlineFinding } from './review-plan.js';

/**
 * Inline findings for the PR diff: each drift whose lockfile path is on a line the PR diff shows on the
 * RIGHT side becomes one comment at that line ("new tool `exec_shell` — critical"). Drifts about paths not
 * in the head lockfile (removed capabilities) or on lines the diff does not show stay in the review body.
 * Pure: `locate` maps a drift path to its 1-based line in the head lockfile text.
 */
export function planInlineFindings(args: {
  drifts: readonly Drift[];
  repoPath: string;
  visibleLines: ReadonlySet<number>;
  locate: (path: string) => number | undefined;
}): InlineFinding[] {
  const findings: InlineFinding[] = [];
  for (const drift of args.drifts) {
    const line = args.locate(drift.path);
    if (line === undefined || !args.visibleLines.has(line)) continue;
    findings.push({
      key: `${drift.kind}:${drift.path}`,
      path: args.repoPath,
      line,
      text: describeDrift(drift),
    });
  }
  return findings;
}

const ICON = { critical: '🔴', moderate: '🟠', info: '🔵' } as const;

/** One drift as an inline comment: the sentence, the severity, the itemized details. Server text is escaped. */
export function describeDrift(drift: Drift): string {
  const head = `${ICON[drift.severity]} ${escapeMarkdown(drift.message)} — **${drift.severity}** (${codeSpan(drift.kind)}, server ${codeSpan(drift.server)})`;
  const details = (drift.details ?? []).map((d) => `- ${escapeMarkdown(d)}`);
  const out = [head, ...(details.length > 0 ? ['', ...details] : [])];
  // A changed text (description, title, instructions) is shown as a diff right at its line.
  if (typeof drift.before === 'string' && typeof drift.after === 'string') {
    const lines = diffLines(drift.before, drift.after).map((l) => `${l.op}${l.text}`);
    out.push('', codeBlock(lines.join('\n'), 'diff'));
  }
  return out.join('\n');
}
