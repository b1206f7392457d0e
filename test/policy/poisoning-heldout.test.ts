import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildPolicyInput,
  compilePacks,
  evaluatePolicy,
  extractResult,
  type PolicyInput,
  scanResult,
} from '../../src/policy/index.js';
import { readPacks } from '../../src/policy/io/read-packs.js';
import { REPO } from '../helpers/cli.js';
import { serverEntry, tool } from '../helpers/factories.js';

/**
 * The held-out splits (fixtures/poisoning/heldout-*.json, built by scripts/build-heldout.py from
 * modelcontextprotocol/servers, microsoft/BIPIA and protectai/llm-guard; sources and licences in each file's
 * header). Neither detector was written against them and no rule is tuned on them, so this is the figure
 * that counts. The test prints it and asserts only that the splits are intact and the figure stays at or
 * above what was measured when the split was built: the targets (0.85 / 0.03 definitions,
 * 0.8 / 0.03 content) are NOT met, and docs/poisoning.md says so. Raising the floors is fine; lowering the
 * targets here to make them pass is not.
 */
interface Sample {
  id: string;
  label: 'malicious' | 'benign';
  family?: string;
  tool?: { name: string; description: string; inputSchema: Record<string, unknown> };
  result?: Record<string, unknown>;
}
interface Split {
  sources: { repo: string; commit: string; license: string }[];
  malicious: Sample[];
  benign: Sample[];
}
const read = (file: string) =>
  JSON.parse(readFileSync(join(REPO, 'fixtures/poisoning', file), 'utf8')) as Split;
// Measured at build time: definitions 0.155 / 0.000, content 0.178 / 0.000; after the response-steering step
// 0.305 / 0.000 and 0.316 / 0.000 (docs/poisoning.md). Recall floors
// guard against regressions only; the FPR ceilings are the targets, which do hold.
const FLOOR = { defRecall: 0.3, defFpr: 0.03, resRecall: 0.31, resFpr: 0.03 };
const policy = compilePacks(await readPacks(['poisoning'], REPO));

function rate(list: Sample[], fires: (s: Sample) => boolean): number {
  return list.filter(fires).length / list.length;
}

/** Recall per family, so the misses by family are visible in the test output. */
function byFamily(list: Sample[], fires: (s: Sample) => boolean): string {
  const groups = new Map<string, [number, number]>();
  for (const s of list) {
    const g = groups.get(s.family ?? '?') ?? [0, 0];
    g[0] += fires(s) ? 1 : 0;
    g[1] += 1;
    groups.set(s.family ?? '?', g);
  }
  return [...groups].map(([f, [hit, n]]) => `  ${f}: ${hit}/${n}`).join('\n');
}

describe('poisoning pack on the held-out splits (not tuned on)', () => {
  it('records sources with commit and licence', () => {
    for (const file of ['heldout-tool-definitions.json', 'heldout-tool-results.json']) {
      const split = read(file);
      expect(split.sources.length).toBe(3);
      for (const s of split.sources) {
        expect(s.commit).toMatch(/^[0-9a-f]{40}$/);
        expect(s.license).toMatch(/MIT/);
      }
    }
  });

  describe('tool definitions (heldout-tool-definitions.json)', () => {
    const split = read('heldout-tool-definitions.json');
    const fires = (s: Sample) => {
      const t = s.tool as NonNullable<Sample['tool']>;
      const entry = serverEntry({
        tools: [tool(t.name, { description: t.description, inputSchema: t.inputSchema })],
      });
      return evaluatePolicy(policy, buildPolicyInput({ name: 'heldout', entry })).length > 0;
    };

    it('measures recall and false-positive rate', () => {
      const recall = rate(split.malicious, fires);
      const fpr = rate(split.benign, fires);
      console.log(
        `held-out tool definitions: recall ${recall.toFixed(3)} (${split.malicious.length}), fpr ${fpr.toFixed(3)} (${split.benign.length})\n${byFamily(split.malicious, fires)}`,
      );
      expect(split.malicious.length).toBe(174);
      expect(split.benign.length).toBe(65);
      // Floors = the figures measured when the split was built (docs/poisoning.md); targets not met.
      expect(recall).toBeGreaterThanOrEqual(FLOOR.defRecall);
      expect(fpr).toBeLessThanOrEqual(FLOOR.defFpr);
    });
  });

  describe('runtime content (heldout-tool-results.json)', () => {
    const split = read('heldout-tool-results.json');
    const base = buildPolicyInput({ name: 'heldout', entry: serverEntry({}) });
    const fires = (s: Sample) => {
      const input: PolicyInput = {
        ...base,
        result: extractResult('tools/call', 'some_tool', s.result as Record<string, unknown>),
      };
      return scanResult(policy, input).action !== 'forward';
    };

    it('measures recall and false-positive rate', () => {
      const recall = rate(split.malicious, fires);
      const fpr = rate(split.benign, fires);
      console.log(
        `held-out runtime content: recall ${recall.toFixed(3)} (${split.malicious.length}), fpr ${fpr.toFixed(3)} (${split.benign.length})\n${byFamily(split.malicious, fires)}`,
      );
      expect(split.malicious.length).toBe(174);
      expect(split.benign.length).toBe(111);
      expect(recall).toBeGreaterThanOrEqual(FLOOR.resRecall);
      expect(fpr).toBeLessThanOrEqual(FLOOR.resFpr);
    });
  });
});
