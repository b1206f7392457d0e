import type { Drift } from '../diff/types.js';
import { codeBlock, codeSpan, escapeMarkdown } from './escape.js';
import { diffLines } from './line-diff.js';
import { gate, serverCount, summarize } from './text.js';
import type { Report } from './types.js';

/** Hidden marker the Action uses to find and update its own review/comment (idempotent posting). */
export const REPORT_MARKER = '<!-- capseal-report -->';

/** GitHub rejects bodies over 65,536 characters; stay below with room for the truncation note. */
export const MARKDOWN_LIMIT = 65_000;

/** Largest before/after block shown for one drift, so one huge schema cannot crowd out the rest. */
const BLOCK_LIMIT = 6_000;

const ICON = { critical: '🔴', moderate: '🟠', info: '⚪', error: '⛔', warning: '⚠️' } as const;
const TEXT_DIFF = /\.(description|title|instructions)\.(changed|cosmetic)$/;

function clip(text: string, max = BLOCK_LIMIT): string {
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}

function showValue(value: unknown): string {
  if (value === undefined) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

function renderDrift(d: Drift): string {
  const key = d.key === undefined ? '' : ` · ${codeSpan(d.key)}`;
  const out = [
    `#### ${ICON[d.severity]} ${d.severity} · ${codeSpan(d.kind)}${key}`,
    '',
    `${escapeMarkdown(d.message)}  `,
    `at ${codeSpan(d.path)}`,
  ];
  const details = (d.details ?? []).filter((x) => !d.message.includes(x));
  if (details.length > 0) out.push('', ...details.map((x) => `- ${escapeMarkdown(x)}`));
  if (TEXT_DIFF.test(d.kind)) {
    const lines = diffLines(String(d.before ?? ''), String(d.after ?? ''));
    out.push('', codeBlock(clip(lines.map((l) => `${l.op}${l.text}`).join('\n')), 'diff'));
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
        codeBlock(clip(showValue(value)), 'json'),
        '',
        '</details>',
      );
    }
  }
  return `${out.join('\n')}\n`;
}

function cell(text: string): string {
  return escapeMarkdown(text);
}

/**
 * The pull-request review body: hidden marker, outcome, a summary table per server (drifts by severity and
 * policy findings), the policy findings, then each drift with before/after (text changes as a `diff` block).
 * Server-provided text is escaped (no HTML, mentions or fence breaks). Never longer than MARKDOWN_LIMIT: past
 * it, sections are dropped whole and a note says how many. Pure.
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
  for (const server of servers) {
    const ds = report.drifts.filter((d) => d.server === server);
    const vs = report.verdicts.filter((v) => v.server === server);
    const n = (sev: string) => ds.filter((d) => d.severity === sev).length;
    head.push(
      `| ${codeSpan(server)} | ${n('critical')} | ${n('moderate')} | ${n('info')} | ${vs.filter((v) => v.severity === 'error').length} | ${vs.filter((v) => v.severity === 'warning').length} |`,
    );
  }
  head.push('');

  const sections: string[] = [];
  if (report.verdicts.length > 0) {
    const rows = [
      '### Policy findings',
      '',
      '| | Rule | Server | Subject | Message |',
      '| --- | --- | --- | --- | --- |',
      ...report.verdicts.map((v) => {
        const icon = v.severity === 'info' ? 'ℹ️' : ICON[v.severity];
        const failed = v.evaluationError ? ' (rule failed to evaluate: counted as a violation)' : '';
        return `| ${icon} ${v.severity} | ${codeSpan(`${v.pack}/${v.rule}`)} | ${codeSpan(v.server)} | ${v.subject === undefined ? '' : codeSpan(v.subject)} | ${cell(v.message)}${failed} |`;
      }),
      '',
    ];
    sections.push(rows.join('\n'));
  }
  let lastServer: string | undefined;
  for (const d of report.drifts) {
    const heading = d.server !== lastServer ? `### Drift in ${codeSpan(d.server)}\n\n` : '';
    lastServer = d.server;
    sections.push(`${heading}${renderDrift(d)}`);
  }
  if (report.drifts.length === 0)
    sections.push(
      report.kind === 'diff'
        ? 'No drift: both lockfiles describe the same capability surface.\n'
        : 'No drift: the live capability surface matches the lockfile.\n',
    );

  let body = `${head.join('\n')}\n`;
  let shown = 0;
  for (const section of sections) {
    if (body.length + section.length + 400 > MARKDOWN_LIMIT) break;
    body += `${section}\n`;
    shown += 1;
  }
  if (shown < sections.length) {
    const hidden = sections.length - shown;
    body += `> [!WARNING]\n> Report truncated: ${hidden} more section${hidden === 1 ? '' : 's'} not shown (GitHub limits a comment to 65,536 characters). Run \`capseal ${report.kind} --format json\` for the full report.\n`;
  }
  if (body.length > MARKDOWN_LIMIT) {
    // Only a summary table of thousands of servers gets here: cut it, still saying so.
    body = `${body.slice(0, MARKDOWN_LIMIT - 200)}\n\n> [!WARNING]\n> Report truncated at ${MARKDOWN_LIMIT} characters.\n`;
  }
  return body;
}
