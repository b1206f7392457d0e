export { ERROR_MESSAGE_CAP, renderErrorSummary } from './error-summary.js';
export { capText, codeBlock, codeSpan, escapeMarkdown, revealControls } from './escape.js';
export { renderJson, renderReportJsonSchema } from './json.js';
export { type DiffLine, diffLines } from './line-diff.js';
export { MARKDOWN_LIMIT, REPORT_MARKER, renderMarkdown } from './markdown.js';
export { buildReport, decideOutcome } from './outcome.js';
export { renderSarif } from './sarif.js';
export { renderText, summarize } from './text.js';
export {
  type Counts,
  type Outcome,
  REPORT_SCHEMA_VERSION,
  type Report,
  type ReportKind,
  ReportSchema,
} from './types.js';
export { type FocusedChange, type FocusOptions, focusChange, focusLines } from './word-diff.js';

import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderSarif } from './sarif.js';
import { renderText } from './text.js';
import type { Report } from './types.js';

export const REPORT_FORMATS = ['text', 'json', 'markdown', 'sarif'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Render a report in one of the CLI formats. `lockText` locates SARIF results; `color` applies to text. */
export function renderReport(
  report: Report,
  format: ReportFormat,
  options: { color?: boolean; lockText?: string; toolVersion?: string } = {},
): string {
  switch (format) {
    case 'text':
      return renderText(report, { color: options.color ?? false });
    case 'json':
      return renderJson(report);
    case 'markdown':
      return renderMarkdown(report);
    case 'sarif':
      return renderSarif(
        report,
        options.lockText ?? '{}',
        options.toolVersion === undefined ? {} : { toolVersion: options.toolVersion },
      );
  }
}
