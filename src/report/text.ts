import type { Drift } from '../diff/index.js';
import type { Verdict } from '../policy/index.js';
import { revealControls } from './escape.js';
import { diffLines } from './line-diff.js';
import type { Report } from './types.js';
import { focusLines } from './word-diff.js';

const ANSI = { red: 31, yellow: 33, cyan: 36, green: 32, dim: 2, bold: 1 } as const;
type Style = keyof typeof ANSI;

/** Which drift kinds show their before/after text as a line diff. */
const TEXT_DIFF = /\.(description|title|instructions)\.(changed|cosmetic)$/;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One-line summary shared by text and markdown: "2 drifts (1 critical, 1 info), 1 policy error". */
export function summarize(report: Report): string {
  const c = report.counts;
  const drifts = report.drifts.length;
  const parts: string[] = [];
  // A policy check computes no drift: say what it did check instead of "no drift".
  if (drifts === 0 && report.kind !== 'policy') parts.push('no drift');
  else if (drifts > 0) {
    const by = [
      c.critical ? `${c.critical} critical` : '',
      c.moderate ? `${c.moderate} moderate` : '',
      c.info ? `${c.info} info` : '',
    ].filter(Boolean);
    parts.push(`${plural(drifts, 'drift')} (${by.join(', ')})`);
  }
  if (report.verdicts.length > 0) {
    const by = [
      c.policyErrors ? plural(c.policyErrors, 'error') : '',
      c.policyWarnings ? plural(c.policyWarnings, 'warning') : '',
      c.policyInfo ? `${c.policyInfo} info` : '',
    ].filter(Boolean);
    parts.push(`${plural(report.verdicts.length, 'policy finding')} (${by.join(', ')})`);
  } else if (report.kind === 'policy') parts.push('no policy finding');
  return parts.join(', ');
}

/** "1 server checked" (policy check) or "2 servers compared" (check, diff). */
export function serverCount(report: Report): string {
  return `${plural(report.servers.length, 'server')} ${report.kind === 'policy' ? 'checked' : 'compared'}`;
}

/**
 * What makes the report fail: a drift threshold, or (policy check) an error-level finding. `mark` styles the
 * threshold (Markdown bold).
 */
export function gate(report: Report, mark: (s: string) => string = (s) => s): string {
  return report.kind === 'policy' ? 'fails on error-level findings' : `fail-on ${mark(report.failOn)}`;
}

const TEXT_MAX = 400;

function indentText(value: unknown, max = TEXT_MAX): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const shown = text.length > max ? `${text.slice(0, max)}… (${text.length - max} more chars)` : text;
  return revealControls(shown);
}

/**
 * The human report for a terminal. Colors only when `color` is true (the CLI asks when stdout is a TTY and
 * NO_COLOR is unset); server-provided text has control and bidi characters made visible. Pure.
 */
export function renderText(report: Report, options: { color: boolean }): string {
  const paint = (style: Style, s: string) => (options.color ? `\u001b[${ANSI[style]}m${s}\u001b[0m` : s);
  const sevStyle = (s: Drift['severity'] | Verdict['severity']): Style =>
    s === 'critical' || s === 'error' ? 'red' : s === 'moderate' || s === 'warning' ? 'yellow' : 'cyan';
  const lines: string[] = [];
  const what = report.kind === 'diff' ? `${report.base ?? '?'} → ${report.lockfile}` : report.lockfile;
  lines.push(paint('bold', `capseal ${report.kind}: ${revealControls(what)} (${serverCount(report)})`));

  const servers = [
    ...new Set([...report.drifts.map((d) => d.server), ...report.verdicts.map((v) => v.server)]),
  ];
  for (const server of servers) {
    const drifts = report.drifts.filter((d) => d.server === server);
    const verdicts = report.verdicts.filter((v) => v.server === server);
    lines.push('', paint('bold', revealControls(server)));
    for (const d of drifts) {
      lines.push(
        `  ${paint(sevStyle(d.severity), d.severity.padEnd(8))}  ${d.kind}  ${revealControls(d.message)}`,
      );
      lines.push(paint('dim', `            at ${revealControls(d.path)}`));
      for (const detail of d.details ?? []) {
        if (!d.message.includes(detail)) lines.push(`            - ${revealControls(detail)}`);
      }
      if (TEXT_DIFF.test(d.kind) && (typeof d.before === 'string' || typeof d.after === 'string')) {
        for (const l of focusLines(diffLines(String(d.before ?? ''), String(d.after ?? '')), TEXT_MAX)) {
          if (l.op === ' ') continue;
          const shown = `            ${l.op} ${indentText(l.text)}`;
          lines.push(paint(l.op === '-' ? 'red' : 'green', shown));
        }
      }
    }
    for (const v of verdicts) {
      const subject = v.subject === undefined ? '' : ` ${revealControls(v.subject)}`;
      const failed = v.evaluationError ? ' (rule failed to evaluate: counted as a violation)' : '';
      lines.push(
        `  ${paint(sevStyle(v.severity), `policy ${v.severity}`.padEnd(14))}  ${v.pack}/${v.rule}${subject}: ${revealControls(v.message)}${failed}`,
      );
    }
  }

  const verdict = report.outcome === 'pass' ? paint('green', 'PASS') : paint('red', 'FAIL');
  lines.push('', `${verdict}: ${summarize(report)} · ${gate(report)}`);
  return `${lines.join('\n')}\n`;
}
