import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { renderJson, renderReportJsonSchema } from '../../src/report/index.js';
import { sampleReport, verdicts } from './sample.js';

const schemaPath = join(import.meta.dirname, '..', '..', 'src', 'report', 'report.schema.json');

describe('renderJson', () => {
  it('is stable and valid against the committed JSON Schema', () => {
    const { report } = sampleReport('tool-homoglyph-rename', { verdicts });
    const text = renderJson(report);
    expect(renderJson(JSON.parse(text))).toBe(text);
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
    expect(validate(JSON.parse(text)), JSON.stringify(validate.errors)).toBe(true);
    expect(Object.keys(JSON.parse(text))).toEqual([
      'schemaVersion',
      'kind',
      'lockfile',
      'servers',
      'failOn',
      'outcome',
      'counts',
      'drifts',
      'verdicts',
    ]);
  });

  it('keeps src/report/report.schema.json fresh (regenerate with renderReportJsonSchema)', () => {
    expect(JSON.parse(readFileSync(schemaPath, 'utf8'))).toEqual(JSON.parse(renderReportJsonSchema()));
  });
});
