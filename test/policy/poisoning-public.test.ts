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
 * The public splits (fixtures/poisoning/atr-*.json, MIT, from agent-threat-rules 4.0.0; see the README
 * there). The ATR detector was written against these very cases, so its share is in-sample for it; the
 * figures for capseal's own functions alone are printed next to the combined ones. docs/poisoning.md
 * records the numbers.
 */
interface Sample {
  id: string;
  label: 'malicious' | 'benign';
  tool?: { name: string; description: string; inputSchema: Record<string, unknown> };
  result?: Record<string, unknown>;
}
interface Split {
  malicious: Sample[];
  benign: Sample[];
}
const read = (file: string) =>
  JSON.parse(readFileSync(join(REPO, 'fixtures/poisoning', file), 'utf8')) as Split;
const policy = compilePacks(await readPacks(['poisoning'], REPO));

function rate(list: Sample[], fires: (s: Sample) => boolean): number {
  return list.filter(fires).length / list.length;
}

describe('poisoning pack on public splits (agent-threat-rules 4.0.0 test cases)', () => {
  describe('tool definitions (atr-tool-definitions.json)', () => {
    const split = read('atr-tool-definitions.json');
    const verdicts = (s: Sample) => {
      const t = s.tool as NonNullable<Sample['tool']>;
      const entry = serverEntry({
        tools: [tool(t.name, { description: t.description, inputSchema: t.inputSchema })],
      });
      return evaluatePolicy(policy, buildPolicyInput({ name: 'public', entry }));
    };
    const fires = (s: Sample) => verdicts(s).length > 0;
    const ownFires = (s: Sample) => verdicts(s).some((v) => v.rule !== 'tool-atr');

    it('reaches recall >= 0.85 at a false-positive rate <= 0.03', () => {
      const recall = rate(split.malicious, fires);
      const fpr = rate(split.benign, fires);
      console.log(
        `public tool definitions: recall ${recall.toFixed(3)} (${split.malicious.length}), fpr ${fpr.toFixed(3)} (${split.benign.length}); ` +
          `capseal functions alone: recall ${rate(split.malicious, ownFires).toFixed(3)}, fpr ${rate(split.benign, ownFires).toFixed(3)}`,
      );
      expect(split.malicious.length).toBeGreaterThanOrEqual(50);
      expect(split.benign.length).toBeGreaterThanOrEqual(30);
      expect(recall).toBeGreaterThanOrEqual(0.85);
      expect(fpr).toBeLessThanOrEqual(0.03);
    });
  });

  describe('runtime content (atr-tool-results.json)', () => {
    const split = read('atr-tool-results.json');
    const base = buildPolicyInput({ name: 'public', entry: serverEntry({}) });
    const scan = (s: Sample) => {
      const input: PolicyInput = {
        ...base,
        result: extractResult('tools/call', 'some_tool', s.result as Record<string, unknown>),
      };
      return scanResult(policy, input);
    };
    const fires = (s: Sample) => scan(s).action !== 'forward';
    const ownFires = (s: Sample) => scan(s).verdicts.some((v) => /signals: (?!ATR-)/.test(v.message));

    // The ATR content rules were written against these very cases, so this figure is in-sample for ATR
    // (the content set is ATR's own tool_response rules); capseal's functions alone are printed beside it.
    // The held-out content split is test/policy/poisoning-heldout.test.ts (recall 0.316, far below this).
    it('reaches recall >= 0.8 at a false-positive rate <= 0.03', () => {
      const recall = rate(split.malicious, fires);
      const fpr = rate(split.benign, fires);
      console.log(
        `public runtime content: recall ${recall.toFixed(3)} (${split.malicious.length}), fpr ${fpr.toFixed(3)} (${split.benign.length}); ` +
          `capseal functions alone: recall ${rate(split.malicious, ownFires).toFixed(3)}, fpr ${rate(split.benign, ownFires).toFixed(3)}`,
      );
      expect(recall).toBeGreaterThanOrEqual(0.8);
      expect(fpr).toBeLessThanOrEqual(0.03);
    });
  });
});
