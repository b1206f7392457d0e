import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPoliciesDir, readPacks } from '../../../src/policy/io/read-packs.js';
import { CapsealError } from '../../../src/shared/errors.js';
import { REPO } from '../../helpers/cli.js';

describe('readPacks', () => {
  it('resolves shipped pack names to policies/<name>.yaml', async () => {
    const [pack] = await readPacks(['baseline'], '/');
    expect(pack?.origin).toBe('policies/baseline.yaml');
    expect(pack?.text).toMatch(/^name: baseline$/m);
  });

  it('reads file paths relative to cwd', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capseal-packs-'));
    writeFileSync(join(dir, 'mine.yaml'), 'name: mine\n');
    expect(await readPacks(['mine.yaml'], dir)).toEqual([{ origin: 'mine.yaml', text: 'name: mine\n' }]);
  });

  it('lists every unreadable reference as INVALID_INPUT', async () => {
    const error = await readPacks(['nope.yaml', 'baseline', 'gone.yaml'], '/').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapsealError);
    expect((error as CapsealError).code).toBe('INVALID_INPUT');
    expect((error as CapsealError).details).toEqual([
      'nope.yaml: no such file (and not a shipped pack: baseline, strict, poisoning, read-only)',
      'gone.yaml: no such file (and not a shipped pack: baseline, strict, poisoning, read-only)',
    ]);
  });

  it('finds policies/ by walking up from the module, from src/ and from a dist/ bundle location', () => {
    expect(findPoliciesDir()).toBe(join(REPO, 'policies'));
    expect(findPoliciesDir(join(REPO, 'dist'))).toBe(join(REPO, 'policies'));
  });
});
