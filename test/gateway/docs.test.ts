import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GATEWAY_BLOCK_KINDS } from '../../src/gateway/index.js';
import { BLOCK_KINDS } from '../../src/proxy/index.js';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'gateway.md'), 'utf8');

describe('docs/gateway.md', () => {
  it('documents every block kind the gateway adds, and names no kind nobody produces', () => {
    const section = doc.split(/^## /m).find((s) => s.startsWith('Blocks and errors')) ?? '';
    const cells = [...section.matchAll(/^\| `([^`]+)` +\|/gm)]
      .map((m) => m[1] as string)
      .filter((c) => c !== 'data.kind');
    expect(cells.filter((c) => !(BLOCK_KINDS as readonly string[]).includes(c)).sort()).toEqual(
      [...GATEWAY_BLOCK_KINDS].sort(),
    );
  });
});
