import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { renderSarif } from '../../src/report/index.js';
import { sampleReport, verdicts } from './sample.js';

// The official SARIF 2.1.0 schema (OASIS sarif-spec Schemata/sarif-schema-2.1.0.json, draft-07 revision).
const schema = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '..', '..', 'fixtures', 'schemas', 'sarif-schema-2.1.0.json'),
    'utf8',
  ),
) as Record<string, unknown>;
const ajv = new Ajv({ strict: false, allErrors: true });
const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;
addFormats(ajv);
const validate = ajv.compile(schema);

interface Sarif {
  runs: {
    tool: { driver: { rules: { id: string }[] } };
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      locations: { physicalLocation: { region: { startLine: number } } }[];
    }[];
  }[];
}

describe('renderSarif', () => {
  it.each(['tool-homoglyph-rename', 'tool-added', 'schema-new-property', 'no-drift', 'server-removed'])(
    'is valid SARIF 2.1.0 for %s',
    (name) => {
      const { report, lockText } = sampleReport(name, { verdicts });
      const log = JSON.parse(renderSarif(report, lockText, { toolVersion: '0.1.0' })) as unknown;
      expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    },
  );

  it('is checked by a validator that does reject broken SARIF', () => {
    const { report, lockText } = sampleReport('tool-added');
    const log = JSON.parse(renderSarif(report, lockText)) as { runs: { results: { level: string }[] }[] };
    const [result] = log.runs[0]?.results ?? [];
    if (result !== undefined) result.level = 'critical';
    expect(validate(log)).toBe(false);
  });

  it('locates results at lockfile lines and indexes their rules', () => {
    const { report, lockText } = sampleReport('tool-description-changed', { verdicts });
    const log = JSON.parse(renderSarif(report, lockText)) as Sarif;
    const run = log.runs[0];
    const [result] = run?.results ?? [];
    const line = lockText.split('\n').findIndex((l) => l.includes('"description": "Read a file')) + 1;
    expect(result?.ruleId).toBe('tool.description.changed');
    expect(result?.level).toBe('error');
    expect(result?.locations[0]?.physicalLocation.region.startLine).toBe(line);
    expect(run?.tool.driver.rules[result?.ruleIndex ?? -1]?.id).toBe('tool.description.changed');
    const policy = run?.results.find((r) => r.ruleId === 'policy/baseline/no-shell-tools');
    expect(run?.tool.driver.rules[policy?.ruleIndex ?? -1]?.id).toBe('policy/baseline/no-shell-tools');
  });

  it('points a live-only entry at its enclosing section', () => {
    const { report, lockText } = sampleReport('tool-added');
    const log = JSON.parse(renderSarif(report, lockText)) as Sarif;
    const line = log.runs[0]?.results[0]?.locations[0]?.physicalLocation.region.startLine ?? 0;
    expect(lockText.split('\n')[line - 1]).toContain('"tools": {');
  });

  it('uses the lockfile path as given, or a file: URI when it is absolute', () => {
    const { report, lockText } = sampleReport('tool-added');
    const uri = (lockfile: string) =>
      (
        JSON.parse(renderSarif({ ...report, lockfile }, lockText)) as {
          runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
        }
      ).runs[0]?.results[0]?.locations[0]?.physicalLocation.artifactLocation.uri;
    expect(uri('./mcp-lock.json')).toBe('mcp-lock.json');
    expect(uri('/work/my repo/mcp-lock.json')).toBe('file:///work/my%20repo/mcp-lock.json');
  });
});
