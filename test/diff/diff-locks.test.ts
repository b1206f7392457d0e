import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DRIFT_KINDS, diffLocks } from '../../src/diff/index.js';
import { parseLockfile } from '../../src/lockfile/index.js';
import { DRIFT_CASES, renderCase } from '../helpers/drift-cases.js';

const root = join(import.meta.dirname, '..', '..', 'fixtures', 'drift');
const cases = readdirSync(root).sort();

interface Expected {
  rule: string;
  drifts: { kind: string; severity: string; key?: string }[];
}

describe('diffLocks over the golden fixtures', () => {
  for (const name of cases) {
    const read = (file: string) => readFileSync(join(root, name, file), 'utf8');
    const expected = JSON.parse(read('expected.json')) as Expected;
    it(`${name}: ${expected.rule}`, () => {
      const base = parseLockfile(read('base.json'), 'base.json');
      const head = parseLockfile(read('head.json'), 'head.json');
      const found = diffLocks(base, head).map((d) => ({
        kind: d.kind,
        severity: d.severity,
        ...(d.key === undefined || d.subject === 'server' ? {} : { key: d.key }),
      }));
      expect(found).toEqual(expected.drifts);
    });
  }

  it('has fixtures that match their generator (run test/helpers/write-drift-fixtures.ts when this fails)', () => {
    expect(cases).toEqual(DRIFT_CASES.map((c) => c.name).sort());
    for (const c of DRIFT_CASES) {
      const files = renderCase(c);
      expect(readFileSync(join(root, c.name, 'head.json'), 'utf8')).toBe(files.head);
      expect(readFileSync(join(root, c.name, 'expected.json'), 'utf8')).toBe(files.expected);
    }
  });

  it('covers every tool and server rule with a fixture', () => {
    const covered = new Set(DRIFT_CASES.flatMap((c) => c.expected.map((d) => d.kind)));
    const central = DRIFT_KINDS.filter((k) => k.subject === 'tool' || k.subject === 'server').map(
      (k) => k.kind,
    );
    expect(central.filter((k) => !covered.has(k))).toEqual([]);
  });
});

describe('diffLocks', () => {
  const read = (name: string, file: string) =>
    parseLockfile(readFileSync(join(root, name, file), 'utf8'), `${name}/${file}`);

  it('is deterministic and says nothing for a lockfile against itself', () => {
    const base = read('tool-added', 'base.json');
    expect(diffLocks(base, base)).toEqual([]);
    const head = read('tool-added', 'head.json');
    expect(diffLocks(base, head)).toEqual(diffLocks(base, head));
  });

  it('points each drift at a formatPath-style lockfile path, with before and after', () => {
    const [drift] = diffLocks(
      read('tool-description-changed', 'base.json'),
      read('tool-description-changed', 'head.json'),
    );
    expect(drift?.path).toBe('servers.files.tools.read_file.description');
    expect(drift?.before).toBe('Read a file from the project directory.');
    expect(String(drift?.after)).toContain('id_rsa');
  });

  it('names both sides of a rename and explains a homoglyph', () => {
    const drifts = diffLocks(
      read('tool-homoglyph-rename', 'base.json'),
      read('tool-homoglyph-rename', 'head.json'),
    );
    expect(drifts[0]?.message).toBe('tool "read_file" renamed to "read_fіle" (same schema and description)');
    expect(drifts[0]?.path).toBe('servers.files.tools["read_fіle"]');
    expect(drifts[1]?.details).toEqual([
      'contains look-alike characters U+0456 (looks like "i")',
      'is confusable with "read_file"',
    ]);
  });

  it('itemizes every way an input schema broadened', () => {
    const [drift] = diffLocks(
      read('schema-new-property', 'base.json'),
      read('schema-new-property', 'head.json'),
    );
    expect(drift?.details).toEqual(['inputSchema: new property "command"']);
  });
});
