import { z } from 'zod';
import { type Report, ReportSchema } from './types.js';

/**
 * The report as stable JSON: keys in schema order (validated by ReportSchema on the way out), two-space
 * indent, trailing newline. Consumers can validate it with report.schema.json.
 */
export function renderJson(report: Report): string {
  return `${JSON.stringify(ReportSchema.parse(report), null, 2)}\n`;
}

/** The JSON Schema of --format json output, generated from ReportSchema (kept as src/report/report.schema.json). */
export function renderReportJsonSchema(): string {
  const schema = z.toJSONSchema(ReportSchema, { target: 'draft-2020-12', io: 'output' });
  return `${JSON.stringify({ ...schema, $id: 'https://capseal.dev/report.schema.json', title: 'capseal report' }, null, 2)}\n`;
}
