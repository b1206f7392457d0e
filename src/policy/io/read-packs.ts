import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CapsealError, errorMessage } from '../../shared/index.js';
import type { PackSource } from '../compile.js';
import { readAtrRules } from './read-atr-rules.js';

const USES_ATR = /\batrMatch(es)?\s*\(/;

/** The packs capseal ships in policies/. */
export const SHIPPED_PACKS = ['baseline', 'strict', 'poisoning', 'read-only'] as const;

/**
 * The shipped policies/ directory: walk up from this module until a `policies/baseline.yaml` appears.
 * Works from src/policy/io/ (tsx, tests) and from the bundled dist/cli.js one level under the repo root.
 */
export function findPoliciesDir(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'policies');
    if (existsSync(join(candidate, 'baseline.yaml'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new CapsealError('INTERNAL', 'cannot find the shipped policies/ directory');
    dir = parent;
  }
}

/**
 * Read packs by reference: a shipped pack name (baseline, strict, poisoning, read-only) or a file path
 * (relative to cwd). Unreadable files are INVALID_INPUT (exit 2), listed together. A pack that calls
 * atrMatch()/atrMatches() comes with the Agent Threat Rules attached (see read-atr-rules.ts).
 */
export async function readPacks(refs: string[], cwd: string): Promise<PackSource[]> {
  const problems: string[] = [];
  const out: PackSource[] = [];
  for (const ref of refs) {
    const shipped = (SHIPPED_PACKS as readonly string[]).includes(ref);
    const path = shipped ? join(findPoliciesDir(), `${ref}.yaml`) : resolve(cwd, ref);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push(
        code === 'ENOENT'
          ? `${ref}: no such file (and not a shipped pack: ${SHIPPED_PACKS.join(', ')})`
          : `${ref}: ${errorMessage(error)}`,
      );
      continue;
    }
    const origin = shipped ? `policies/${ref}.yaml` : ref;
    // Packs that call the ATR functions get the rules attached (read once per process; INTERNAL if broken).
    out.push(USES_ATR.test(text) ? { origin, text, atr: readAtrRules() } : { origin, text });
  }
  if (problems.length > 0)
    throw new CapsealError('INVALID_INPUT', 'cannot read policy pack', { details: problems });
  return out;
}
