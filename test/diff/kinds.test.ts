import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DRIFT_KINDS, kindInfo } from '../../src/diff/index.js';

describe('DRIFT_KINDS', () => {
  it('has unique kind names', () => {
    const kinds = DRIFT_KINDS.map((k) => k.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
  });

  it('is documented in docs/drift.md, each kind with its severity', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'drift.md'), 'utf8');
    const missing = DRIFT_KINDS.filter((k) => !doc.includes(`| \`${k.kind}\` | ${k.severity} |`)).map(
      (k) => k.kind,
    );
    expect(missing).toEqual([]);
  });

  it('refuses an unknown kind', () => {
    expect(kindInfo('tool.added').severity).toBe('critical');
    expect(() => kindInfo('tool.exploded')).toThrow('unknown drift kind');
  });
});
