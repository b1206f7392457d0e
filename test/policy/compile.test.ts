import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePacks } from '../../src/policy/index.js';
import { CapsealError } from '../../src/shared/errors.js';
import { REPO } from '../helpers/cli.js';

const fixture = (name: string) => ({
  origin: `fixtures/policies/${name}`,
  text: readFileSync(join(REPO, 'fixtures', 'policies', name), 'utf8'),
});

function problemsOf(packs: { origin: string; text: string }[]): string[] {
  try {
    compilePacks(packs);
  } catch (error) {
    expect(error).toBeInstanceOf(CapsealError);
    expect((error as CapsealError).code).toBe('INVALID_INPUT');
    return [...(error as CapsealError).details];
  }
  throw new Error('expected compilePacks to throw');
}

describe('compilePacks', () => {
  it('compiles a valid pack once, classifying call-time rules', () => {
    const policy = compilePacks([fixture('scoped.yaml')]);
    expect(policy.packs).toEqual([
      {
        name: 'scoped',
        description: 'One rule per scope, for evaluation tests.',
        origin: 'fixtures/policies/scoped.yaml',
      },
    ]);
    expect(policy.rules.map((r) => [r.id, r.scope, r.callTime])).toContainEqual(['call-rm', 'server', true]);
    expect(policy.rules.filter((r) => r.callTime)).toHaveLength(1);
  });

  describe('rejects at load, before evaluation, naming pack, rule, line and position', () => {
    const problems = problemsOf([fixture('broken.yaml')]);
    it.each([
      [
        'syntax',
        /rules\[0\] "syntax" deny \(line 7\): syntax error \(line 1, column 26 of the expression\): Unexpected token/,
      ],
      [
        'typo',
        /rules\[1\] "typo" deny \(line 13\): type error \(line 1, column 6 of the expression\): No such key: nmae/,
      ],
      ['wrong scope', /rules\[2\] "wrong-scope" deny .*Unknown variable: tool.*scope: tool/],
      ['non-bool', /rules\[3\] "not-bool" deny .*must be a bool expression .* list<string>/],
      ['message placeholder', /rules\[4\] "bad-message" message .*no such overload: string \+ int/],
      ['catastrophic regex', /rules\[5\] "redos" deny .*unsafe regex "\(a\+\)\+\$"/],
    ])('%s', (_name, pattern) => {
      expect(problems.some((p) => pattern.test(p))).toBe(true);
      expect(problems.every((p) => p.startsWith('fixtures/policies/broken.yaml'))).toBe(true);
    });
    it('reports every problem, not only the first', () => {
      expect(problems).toHaveLength(6);
    });
  });

  it.each([
    [
      'expr instead of deny',
      'name: p\ndescription: d\nrules:\n  - {id: a, description: d, severity: error, expr: "true", message: m}\n',
      /use "deny"/,
    ],
    [
      'unknown key',
      'name: p\ndescription: d\nrules:\n  - {id: a, description: d, severity: error, deny: "true", message: m, when: x}\n',
      /Unrecognized key: "when"/,
    ],
    [
      'bad severity',
      'name: p\ndescription: d\nrules:\n  - {id: a, description: d, severity: fatal, deny: "true", message: m}\n',
      /rules\[0\]\.severity/,
    ],
    [
      'duplicate rule id',
      'name: p\ndescription: d\nrules:\n  - {id: a, description: d, severity: error, deny: "true", message: m}\n  - {id: a, description: d, severity: error, deny: "true", message: m}\n',
      /duplicate rule id "a"/,
    ],
    ['YAML syntax', 'name: p\ndescription: a: b\n', /p\.yaml:2:\d+: YAML:/],
    [
      'call rule with an entry scope',
      'name: p\ndescription: d\nrules:\n  - {id: a, description: d, severity: error, scope: tool, deny: "call.tool == tool.name", message: m}\n',
      /must use scope: server/,
    ],
    [
      'deeply nested comprehensions',
      'name: p\ndescription: d\nrules:\n  - {id: a, description: d, severity: error, deny: "tools.all(a, tools.all(b, tools.all(c, tools.all(d, true))))", message: m}\n',
      /nested deeper than 3/,
    ],
    [
      'dynamic regex',
      'name: p\ndescription: d\nrules:\n  - {id: a, description: d, severity: error, scope: tool, deny: "tool.description.matches(tool.name)", message: m}\n',
      /string literal pattern/,
    ],
  ])('rejects %s', (_name, text, pattern) => {
    const problems = problemsOf([{ origin: 'p.yaml', text }]);
    expect(problems.join('\n')).toMatch(pattern);
  });

  it('rejects the same pack twice', () => {
    const scoped = fixture('scoped.yaml');
    expect(problemsOf([scoped, scoped]).join('\n')).toMatch(/pack name "scoped" is already used/);
  });
});

describe('compilePacks, result-time rules and detectors', () => {
  const rule = (body: string) => ({
    origin: 'r.yaml',
    text: `name: r\ndescription: d\nrules:\n  - id: x\n    description: d\n    severity: error\n${body}    message: m\n`,
  });

  it('classifies rules that read `result` and keeps their action (audit by default)', () => {
    const policy = compilePacks([rule('    deny: size(result.texts) > 0\n')]);
    expect(policy.rules.map((r) => [r.resultTime, r.callTime, r.action])).toEqual([[true, false, 'audit']]);
    const redact = compilePacks([
      rule('    action: redact\n    spans: contentSpans(result.texts)\n    deny: size(result.texts) > 0\n'),
    ]);
    expect(redact.rules[0]?.action).toBe('redact');
    expect(redact.rules[0]?.spans).toBeDefined();
  });

  it.each([
    [
      'an action on a lock-time rule',
      '    action: block\n    deny: size(tools) > 0\n',
      /action and spans apply only to rules that read `result`/,
    ],
    [
      'redact without spans',
      '    action: redact\n    deny: size(result.texts) > 0\n',
      /action redact needs spans/,
    ],
    [
      'spans without redact',
      '    spans: result.texts\n    deny: size(result.texts) > 0\n',
      /action redact needs spans/,
    ],
    [
      'a result rule with an entry scope',
      '    scope: tool\n    deny: size(result.texts) > 0\n',
      /must use scope: server/,
    ],
    [
      'ATR functions without the rules loaded',
      '    deny: tools.exists(t, size(atrMatches(t.description)) > 0)\n',
      /no Agent Threat Rules were loaded/,
    ],
  ])('rejects %s', (_name, body, expected) => {
    expect(problemsOf([rule(body)]).join('\n')).toMatch(expected);
  });
});
