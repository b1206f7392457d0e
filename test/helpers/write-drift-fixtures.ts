import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DRIFT_CASES, renderCase } from './drift-cases.js';

/**
 * Regenerate fixtures/drift/<case>/{base,head,expected}.json from test/helpers/drift-cases.ts:
 *   node_modules/.bin/node --import tsx test/helpers/write-drift-fixtures.ts
 */
const root = join(import.meta.dirname, '..', '..', 'fixtures', 'drift');
for (const c of DRIFT_CASES) {
  const dir = join(root, c.name);
  mkdirSync(dir, { recursive: true });
  const files = renderCase(c);
  writeFileSync(join(dir, 'base.json'), files.base);
  writeFileSync(join(dir, 'head.json'), files.head);
  writeFileSync(join(dir, 'expected.json'), files.expected);
}
process.stdout.write(`wrote ${DRIFT_CASES.length} cases to ${root}\n`);
