import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPolicyInput, compilePacks, evaluatePolicy, type Verdict } from '../../src/policy/index.js';
import { REPO } from '../helpers/cli.js';
import { serverEntry, tool } from '../helpers/factories.js';

interface Sample {
  id: string;
  family?: string;
  note?: string;
  tool: { name: string; description: string; inputSchema: Record<string, unknown> };
}
const corpus = JSON.parse(readFileSync(join(REPO, 'fixtures/poisoning/corpus.json'), 'utf8')) as {
  malicious: Sample[];
  benign: Sample[];
};
const policy = compilePacks([
  { origin: 'policies/poisoning.yaml', text: readFileSync(join(REPO, 'policies/poisoning.yaml'), 'utf8') },
]);

function verdictsFor(sample: Sample): Verdict[] {
  const entry = serverEntry({
    tools: [
      tool(sample.tool.name, { description: sample.tool.description, inputSchema: sample.tool.inputSchema }),
    ],
  });
  return evaluatePolicy(policy, buildPolicyInput({ name: 'corpus', entry }));
}

describe('poisoning pack on the labeled corpus (fixtures/poisoning/corpus.json)', () => {
  const missed = corpus.malicious.filter((s) => verdictsFor(s).length === 0);
  const falsePositives = corpus.benign.filter((s) => verdictsFor(s).length > 0);
  const recall = 1 - missed.length / corpus.malicious.length;
  const fpr = falsePositives.length / corpus.benign.length;
  const families = [...new Set(corpus.malicious.map((s) => s.family))];

  it('has at least 60 malicious samples across every family and at least 60 benign ones', () => {
    expect(corpus.malicious.length).toBeGreaterThanOrEqual(60);
    expect(corpus.benign.length).toBeGreaterThanOrEqual(60);
    expect(families.sort()).toEqual([
      'ansi',
      'base64',
      'coercion',
      'concealment',
      'foreign-payload',
      'hidden-unicode',
      'override',
      'pseudo-tag',
      'secrets',
      'shadowing',
    ]);
  });

  it('reaches recall >= 0.9 and false-positive rate <= 0.05', () => {
    console.log(
      `poisoning corpus: recall ${recall.toFixed(3)} (${corpus.malicious.length - missed.length}/${corpus.malicious.length}), ` +
        `false-positive rate ${fpr.toFixed(3)} (${falsePositives.length}/${corpus.benign.length})` +
        (missed.length ? `; missed ${missed.map((s) => s.id).join(', ')}` : '') +
        (falsePositives.length ? `; false positives ${falsePositives.map((s) => s.id).join(', ')}` : ''),
    );
    expect(recall).toBeGreaterThanOrEqual(0.9);
    expect(fpr).toBeLessThanOrEqual(0.05);
  });

  it.each(families)('detects the %s family through its own rule most of the time', (family) => {
    const samples = corpus.malicious.filter((s) => s.family === family);
    const own = samples.filter((s) => verdictsFor(s).some((v) => v.rule === `tool-${family}`));
    expect(own.length / samples.length).toBeGreaterThanOrEqual(0.8);
  });
});
