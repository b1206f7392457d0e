import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLOCK_KINDS, BLOCKED_CODE, LIMIT_CODE, SERVER_GONE_CODE } from '../../src/proxy/index.js';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'proxy.md'), 'utf8');

/** The first-column cells (backticked) of the table under a `## heading` of docs/proxy.md. */
function firstColumn(heading: string): string[] {
  const section = doc.split(/^## /m).find((s) => s.startsWith(heading));
  if (section === undefined) throw new Error(`docs/proxy.md has no "## ${heading}"`);
  const cells: string[] = [];
  for (const line of section.split('\n')) {
    const m = /^\| `([^`]+)` \|/.exec(line);
    if (m) cells.push(m[1] as string);
  }
  return cells;
}

describe('docs/proxy.md', () => {
  it('documents every block kind the proxy produces, and no other', () => {
    expect([...firstColumn('Block kinds')].sort()).toEqual([...BLOCK_KINDS].sort());
  });

  it('documents the error codes the proxy sends', () => {
    expect(firstColumn('Error codes').slice(0, 3)).toEqual(
      [BLOCKED_CODE, LIMIT_CODE, SERVER_GONE_CODE].map(String),
    );
  });

  it('keeps the codes inside -32000…-32019 and off the codes MCP SDKs use', () => {
    const taken = [-32000, -32001, -32002, -32003, -32004];
    for (const code of [BLOCKED_CODE, LIMIT_CODE, SERVER_GONE_CODE]) {
      expect(code).toBeLessThanOrEqual(-32000);
      expect(code).toBeGreaterThanOrEqual(-32019);
      expect(taken).not.toContain(code);
    }
  });
});
