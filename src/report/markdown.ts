import type { Drift } from '../diff/index.js';
import { codeBlock, codeSpan, escapeMarkdown } from './escape.js';
import { diffLines } from './line-diff.js';
import { gate, serverCount, summarize } from './text.js';
import type { Report } from './types.js';

/** Hidden marker the Action uses to find and update its own review/comment (idempotent posting). */
export const REPORT_MARKER = '<!-- capseal-report -->';

/** GitHub rejects bodies over 65,536 characters; stay below with room for the truncation note. */
export const MARKDOWN_LIMIT = 65_000;

const ICON = { critical: '🔴', moderate: '🟠', info: '⚪', error: '⛔', warning: '⚠️' } as const;
const TEXT_DIFF = /\.(description|title|instructions)\.(changed|cosmetic)$/;
/** Rows of the per-server summary table; past it, one row says how many servers are not listed. */
const SERVER_ROWS = 100;
/** Room kept for the truncation note at the end of the body. */
const NOTE_RESERVE = 600;
/** Budget rank: critical drifts and error-level policy findings are placed first, then the rest. */
const RANK = { critical: 0, error: 0, moderate: 1, warning: 1, info: 2 } as const;

function showValue(value: unknown): string {
  if (value === undefined) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

function renderDrift(d: Drift): string {
  const key = d.key === undefined ? '' : ` · ${codeSpan(d.key)}`;
  const out = [
    `#### ${ICON[d.severity]} ${d.severity} · ${codeSpan(d.kind)}${key} · server ${codeSpan(d.server)}`,
    '',
    `${escapeMarkdown(d.message)}  `,
    `at ${codeSpan(d.path)}`,
  ];
  const details = (d.details ?? []).filter((x) => !d.message.includes(x));
  if (details.length > 0) out.push('', ...details.map((x) => `- ${escapeMarkdown(x)}`));
  if (TEXT_DIFF.test(d.kind)) {
    const lines = diffLines(String(d.before ?? ''), String(d.after ?? ''));
    out.push('', codeBlock(lines.map((l) => `${l.op}${l.text}`).join('\n'), 'diff'));
  } else {
    for (const [label, value] of [
      ['before', d.before],
      ['after', d.after],
    ] as const) {
      if (value === undefined) continue;
      out.push(
        '',
        `<details><summary>${label}</summary>`,
        '',
        codeBlock(showValue(value), 'json'),
        '',
        '</details>',
      );
    }
  }
  return `${out.join('\n')}\n`;
}

/** One thing the body may show, with its cost; whatever does not fit is counted in the note. */
interface Item {
  rank: number;
  severity: string;
  text: string;
  order: number;
}

function verdictRow(v: Report['verdicts'][number]): string {
  const icon = v.severity === 'info' ? 'ℹ️' : ICON[v.severity];
  const failed = v.evaluationError ? ' (rule failed to evaluate: counted as a violation)' : '';
  const subject = v.subject === undefined ? '' : codeSpan(v.subject);
  return `| ${icon} ${v.severity} | ${codeSpan(`${v.pack}/${v.rule}`)} | ${codeSpan(v.server)} | ${subject} | ${escapeMarkdown(v.message)}${failed} |`;
}

/**
 * The pull-request review body: hidden marker, outcome, a summary table per server (drifts by severity and
 * policy findings), the policy findings, then each drift (most severe first) with before/after (text changes
 * as a `diff` block). Untrusted text goes through escapeMarkdown/codeSpan/codeBlock only (escaped, capped).
 * Never longer than MARKDOWN_LIMIT: the budget goes to critical drifts and error-level findings first, and a
 * note counts, by severity, every finding left out (the SARIF file and the JSON report hold all). Pure.
 */
export function renderMarkdown(report: Report): string {
  const head: string[] = [REPORT_MARKER];
  const ok = report.outcome === 'pass';
  head.push(`## capseal ${report.kind}: ${ok ? '✅ pass' : '❌ fail'}`, '');
  const what =
    report.kind === 'diff'
      ? `${codeSpan(report.base ?? '?')} → ${codeSpan(report.lockfile)}`
      : codeSpan(report.lockfile);
  head.push(
    `${what} · ${serverCount(report)} · ${gate(report, (s) => `**${s}**`)} · ${escapeMarkdown(summarize(report))}`,
    '',
  );

  const servers = [
    ...new Set([
      ...report.servers,
      ...report.drifts.map((d) => d.server),
      ...report.verdicts.map((v) => v.server),
    ]),
  ];
  head.push(
    '| Server | 🔴 Critical | 🟠 Moderate | ⚪ Info | ⛔ Policy errors | ⚠️ Policy warnings |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const server of servers.slice(0, SERVER_ROWS)) {
    const ds = report.drifts.filter((d) => d.server === server);
    const vs = report.verdicts.filter((v) => v.server === server);
    const n = (sev: string) => ds.filter((d) => d.severity === sev).length;
    head.push(
      `| ${codeSpan(server, 100)} | ${n('critical')} | ${n('moderate')} | ${n('info')} | ${vs.filter((v) => v.severity === 'error').length} | ${vs.filter((v) => v.severity === 'warning').length} |`,
    );
  }
  if (servers.length > SERVER_ROWS) {
    head.push(`| …and ${servers.length - SERVER_ROWS} more servers (see the SARIF file) | | | | | |`);
  }
  head.push('');

  const byRank = (a: Item, b: Item) => a.rank - b.rank || a.order - b.order;
  const rows: Item[] = [...report.verdicts].map((v, order) => ({
    rank: RANK[v.severity],
    severity: `policy ${v.severity}`,
    text: verdictRow(v),
    order,
  }));
  const drifts: Item[] = report.drifts.map((d, order) => ({
    rank: RANK[d.severity],
    severity: d.severity,
    text: renderDrift(d),
    order,
  }));

  let body = `${head.join('\n')}\n`;
  const tableHead =
    '### Policy findings\n\n| | Rule | Server | Subject | Message |\n| --- | --- | --- | --- | --- |\n';
  let budget = MARKDOWN_LIMIT - body.length - NOTE_RESERVE - (rows.length > 0 ? tableHead.length + 2 : 0);
  const shown = new Set<Item>();
  const left: Item[] = [];
  for (const item of [...rows, ...drifts].sort(byRank)) {
    if (item.text.length + 2 <= budget) {
      shown.add(item);
      budget -= item.text.length + 2;
    } else left.push(item);
  }

  const shownRows = rows.filter((r) => shown.has(r));
  if (shownRows.length > 0) body += `${tableHead}${shownRows.map((r) => r.text).join('\n')}\n\n`;
  for (const d of [...drifts].sort(byRank)) if (shown.has(d)) body += `${d.text}\n`;
  if (report.drifts.length === 0) {
    body +=
      report.kind === 'diff'
        ? 'No drift: both lockfiles describe the same capability surface.\n'
        : 'No drift: the live capability surface matches the lockfile.\n';
  }
  if (left.length > 0) {
    const counts = new Map<string, number>();
    for (const item of left) counts.set(item.severity, (counts.get(item.severity) ?? 0) + 1);
    const by = [...counts].map(([sev, n]) => `${n} ${sev}`).join(', ');
    body += `\n> [!WARNING]\n> Report truncated: ${left.length} more finding${left.length === 1 ? '' : 's'} not shown (${by}); GitHub limits a comment to 65,536 characters. The SARIF file and the JSON report (\`capseal-report.json\` in the job's artifact, or \`capseal ${report.kind} --format json\`) list them all.\n`;
  }
  return body;
}
