import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type PromptEntry, sealEntry, sealServerInfo } from '../../src/lockfile/index.js';
import { buildPolicyInput, compilePacks, evaluatePolicy, type Verdict } from '../../src/policy/index.js';
import { readPacks } from '../../src/policy/io/read-packs.js';
import { REPO } from '../helpers/cli.js';
import { serverEntry, tool } from '../helpers/factories.js';

/**
 * One labeled sample. The payload lives in exactly one place: a tool (description, title or a schema
 * property description), a prompt (description or an argument description), or the server instructions.
 */
interface Sample {
  id: string;
  label: 'malicious' | 'benign';
  family?: string;
  note?: string;
  surface?: string;
  tool?: { name: string; title?: string; description: string; inputSchema: Record<string, unknown> };
  prompt?: {
    name: string;
    title?: string;
    description?: string;
    arguments?: { name: string; title?: string; description?: string; required?: boolean }[];
  };
  instructions?: string;
}
interface Corpus {
  malicious: Sample[];
  benign: Sample[];
}
interface Figures {
  recall: number;
  fpr: number;
  missed: Sample[];
  falsePositives: Sample[];
  malicious: number;
  benign: number;
}

const FAMILIES = [
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
];

function readCorpus(file: string): Corpus {
  return JSON.parse(readFileSync(join(REPO, 'fixtures/poisoning', file), 'utf8')) as Corpus;
}
const corpora: [string, Corpus][] = [
  ['corpus.json', readCorpus('corpus.json')],
  ['holdout.json', readCorpus('holdout.json')],
];
const policy = compilePacks(await readPacks(['poisoning'], REPO));

function promptEntry({ name, ...body }: NonNullable<Sample['prompt']>): [string, PromptEntry] {
  return [name, sealEntry('prompts', name, body)];
}

function verdictsFor(sample: Sample): Verdict[] {
  const { tool: t, prompt: p, instructions } = sample;
  const entry = serverEntry({
    tools: t
      ? [
          tool(t.name, {
            description: t.description,
            inputSchema: t.inputSchema,
            ...(t.title === undefined ? {} : { title: t.title }),
          }),
        ]
      : [],
    prompts: p ? Object.fromEntries([promptEntry(p)]) : {},
    server: sealServerInfo({
      name: 'fixture',
      version: '1.0.0',
      protocolVersion: '2025-11-25',
      capabilities: { tools: {} },
      ...(instructions === undefined ? {} : { instructions }),
    }),
  });
  return evaluatePolicy(policy, buildPolicyInput({ name: 'corpus', entry }));
}

function measure(corpus: Corpus): Figures {
  const missed = corpus.malicious.filter((s) => verdictsFor(s).length === 0);
  const falsePositives = corpus.benign.filter((s) => verdictsFor(s).length > 0);
  return {
    recall: 1 - missed.length / corpus.malicious.length,
    fpr: falsePositives.length / corpus.benign.length,
    missed,
    falsePositives,
    malicious: corpus.malicious.length,
    benign: corpus.benign.length,
  };
}

function describeFigures(name: string, f: Figures): string {
  const ids = (list: Sample[]) => list.map((s) => s.id).join(', ');
  return (
    `poisoning ${name}: recall ${f.recall.toFixed(3)} (${f.malicious - f.missed.length}/${f.malicious}), ` +
    `false-positive rate ${f.fpr.toFixed(3)} (${f.falsePositives.length}/${f.benign})` +
    (f.missed.length ? `; missed ${ids(f.missed)}` : '') +
    (f.falsePositives.length ? `; false positives ${ids(f.falsePositives)}` : '')
  );
}

describe('poisoning pack on the labeled corpora (fixtures/poisoning/)', () => {
  const combined: Corpus = {
    malicious: corpora.flatMap(([, c]) => c.malicious),
    benign: corpora.flatMap(([, c]) => c.benign),
  };

  describe.each(corpora)('%s', (name, corpus) => {
    const figures = measure(corpus);

    it('has at least 50 malicious samples across every family and at least 50 benign ones', () => {
      expect(corpus.malicious.length).toBeGreaterThanOrEqual(50);
      expect(corpus.benign.length).toBeGreaterThanOrEqual(50);
      expect([...new Set(corpus.malicious.map((s) => s.family))].sort()).toEqual(FAMILIES);
      expect(corpus.malicious.every((s) => s.label === 'malicious')).toBe(true);
      expect(corpus.benign.every((s) => s.label === 'benign')).toBe(true);
    });

    it('reaches recall >= 0.9 and false-positive rate <= 0.05', () => {
      console.log(describeFigures(name, figures));
      expect(figures.recall).toBeGreaterThanOrEqual(0.9);
      expect(figures.fpr).toBeLessThanOrEqual(0.05);
    });
  });

  it('reaches recall >= 0.9 and false-positive rate <= 0.05 on both files together', () => {
    const figures = measure(combined);
    console.log(describeFigures('combined', figures));
    expect(figures.recall).toBeGreaterThanOrEqual(0.9);
    expect(figures.fpr).toBeLessThanOrEqual(0.05);
  });

  it.each(FAMILIES)('detects the %s family through its own rule most of the time', (family) => {
    const samples = combined.malicious.filter((s) => s.family === family);
    const own = samples.filter((s) => verdictsFor(s).some((v) => v.rule.endsWith(`-${family}`)));
    expect(own.length / samples.length).toBeGreaterThanOrEqual(0.8);
  });
});
