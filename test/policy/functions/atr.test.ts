import { describe, expect, it } from 'vitest';
import { compileAtrRules, matchAtr } from '../../../src/policy/functions/atr.js';

const rule = (id: string, conditions: unknown[], extra: Record<string, unknown> = {}) => ({
  id,
  title: `rule ${id}`,
  severity: 'high',
  status: 'stable',
  tags: { category: 'prompt-injection' },
  detection: { condition: 'any', conditions },
  ...extra,
});
const regex = (value: string) => ({ field: 'content', operator: 'regex', value });

describe('Agent Threat Rules, compiled by capseal', () => {
  it('drops the inline flag group and matches case-insensitively, any condition', () => {
    const { set, problems } = compileAtrRules(
      [
        {
          file: 'a.yaml',
          targets: ['definition'],
          data: rule('ATR-2026-00001', [regex('(?i)ignore\\s+previous'), regex('zzz')]),
        },
      ],
      '4.0.0',
    );
    expect(problems).toEqual([]);
    expect(matchAtr(set, ['Please IGNORE previous text'], 'definition')).toEqual([
      {
        id: 'ATR-2026-00001',
        title: 'rule ATR-2026-00001',
        severity: 'high',
        category: 'prompt-injection',
        evidence: 'IGNORE previous',
      },
    ]);
    expect(matchAtr(set, ['nothing here'], 'definition')).toEqual([]);
  });

  it('needs every condition for condition: all, and runs a rule only for its targets', () => {
    const data = rule('ATR-2026-00002', [regex('alpha'), regex('beta')], {
      detection: { condition: 'all', conditions: [regex('alpha'), regex('beta')] },
    });
    const { set } = compileAtrRules([{ file: 'b.yaml', targets: ['content'], data }], '4.0.0');
    expect(matchAtr(set, ['alpha only'], 'content')).toEqual([]);
    expect(matchAtr(set, ['alpha', 'and beta in another view'], 'content').map((h) => h.id)).toEqual([
      'ATR-2026-00002',
    ]);
    expect(matchAtr(set, ['alpha beta'], 'definition')).toEqual([]);
  });

  it('reports invalid, non-regex and deprecated rules instead of running them', () => {
    const { set, problems } = compileAtrRules(
      [
        { file: 'bad-id.yaml', targets: ['definition'], data: rule('nope', [regex('x')]) },
        {
          file: 'op.yaml',
          targets: ['definition'],
          data: rule('ATR-2026-00003', [{ field: 'content', operator: 'contains', value: 'x' }]),
        },
        {
          file: 'old.yaml',
          targets: ['definition'],
          data: rule('ATR-2026-00005', [regex('x')], { status: 'deprecated' }),
        },
      ],
      '4.0.0',
    );
    const text = problems.join('\n');
    expect(text).toMatch(/bad-id\.yaml: id/);
    expect(text).toMatch(/op\.yaml: condition 0 is not a regex condition/);
    expect(text).toMatch(/op\.yaml: ATR-2026-00003 has no condition capseal can run/);
    expect(text).toMatch(/old\.yaml: ATR-2026-00005 is deprecated/);
    expect(set.rules).toEqual([]);
  });

  it('leaves backtracking patterns out: a condition of an any rule (listed), an all rule entirely', () => {
    const { set, problems } = compileAtrRules(
      [
        {
          file: 'any.yaml',
          targets: ['definition'],
          data: rule('ATR-2026-00006', [regex('(a+)+$'), regex('safe'), regex('x.*y.*z')]),
        },
        {
          file: 'all.yaml',
          targets: ['definition'],
          data: rule('ATR-2026-00007', [], {
            detection: { condition: 'all', conditions: [regex('ok'), regex('p.*q.+r')] },
          }),
        },
      ],
      '4.0.0',
    );
    expect(set.rules.map((r) => [r.id, r.patterns.length])).toEqual([['ATR-2026-00006', 1]]);
    expect(set.skipped).toEqual([
      'ATR-2026-00006 condition 0: a repeated group contains a quantifier or alternation (catastrophic backtracking)',
      'ATR-2026-00006 condition 2: two or more unbounded wildcards (polynomial backtracking)',
    ]);
    expect(problems).toEqual([
      'all.yaml: condition 1: two or more unbounded wildcards (polynomial backtracking)',
    ]);
  });
});
