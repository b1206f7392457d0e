import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Drift } from '../../src/diff/types.js';
import { sealEntry } from '../../src/lockfile/index.js';
import {
  buildPolicyInput,
  compilePacks,
  evaluateCall,
  evaluateLock,
  evaluatePolicy,
  hasCallRules,
} from '../../src/policy/index.js';
import { REPO } from '../helpers/cli.js';
import { lockfile, serverEntry, tool } from '../helpers/factories.js';

const scoped = compilePacks([
  { origin: 'scoped.yaml', text: readFileSync(join(REPO, 'fixtures/policies/scoped.yaml'), 'utf8') },
]);

const entry = serverEntry({
  tools: [tool('secret_dump'), tool('echo'), tool('boom')],
  prompts: {
    greet: sealEntry('prompts', 'greet', { arguments: [{ name: 'who' }] }) as never,
  },
  resources: {
    'file:///etc/hosts': sealEntry('resources', 'file:///etc/hosts', { name: 'hosts' }) as never,
  },
  resourceTemplates: {
    'docs://{path}/../x': sealEntry('resourceTemplates', 'docs://{path}/../x', { name: 'docs' }) as never,
  },
});

const drift: Drift = {
  server: 'bad',
  kind: 'tool.added',
  severity: 'critical',
  subject: 'tool',
  key: 'secret_dump',
  path: 'servers.bad.tools.secret_dump',
  message: 'new tool `secret_dump`',
};

describe('evaluatePolicy', () => {
  const verdicts = evaluatePolicy(scoped, buildPolicyInput({ name: 'bad', entry, drifts: [drift] }));
  const byRule = (id: string) => verdicts.filter((v) => v.rule === id);

  it('evaluates server-scoped rules once, naming the server', () => {
    expect(byRule('server-name')).toEqual([
      {
        pack: 'scoped',
        rule: 'server-name',
        severity: 'error',
        message: 'server bad is bad',
        server: 'bad',
        subject: 'server:bad',
        path: 'servers.bad',
      },
    ]);
  });

  it('evaluates entry-scoped rules per entry, with subject, lockfile path and interpolated message', () => {
    expect(byRule('tool-secret')).toEqual([
      expect.objectContaining({
        subject: 'tool:secret_dump',
        path: 'servers.bad.tools.secret_dump',
        message: 'tool secret_dump (1 texts)',
        references: ['LLM06'],
      }),
    ]);
    expect(byRule('prompt-any').map((v) => [v.subject, v.message])).toEqual([
      ['prompt:greet', 'prompt greet has 1 arguments'],
    ]);
    expect(byRule('resource-file').map((v) => [v.subject, v.path])).toEqual([
      ['resource:file:///etc/hosts', 'servers.bad.resources["file:///etc/hosts"]'],
    ]);
    expect(byRule('template-traversal').map((v) => v.subject)).toEqual(['template:docs://{path}/../x']);
    expect(byRule('drift-critical').map((v) => [v.subject, v.path, v.message])).toEqual([
      ['tool:secret_dump', 'servers.bad.tools.secret_dump', 'tool.added'],
    ]);
  });

  it('fails closed: a rule that errors at evaluation is a violation that says so', () => {
    expect(byRule('runtime-error')).toEqual([
      expect.objectContaining({
        subject: 'tool:boom',
        severity: 'error',
        evaluationError: true,
        message: expect.stringMatching(
          /^rule failed to evaluate \(counted as a violation\): No such key: missing/,
        ),
      }),
    ]);
  });

  it('skips call-time rules outside a call', () => {
    expect(byRule('call-rm')).toEqual([]);
  });

  it('gives [] for a compliant server', () => {
    const clean = serverEntry({ tools: [tool('echo')] });
    expect(evaluatePolicy(scoped, buildPolicyInput({ name: 'good', entry: clean }))).toEqual([]);
  });
});

describe('evaluateCall', () => {
  const input = buildPolicyInput({ name: 'srv', entry: serverEntry({ tools: [tool('rm')] }) });

  it('reports that the policy has call rules', () => {
    expect(hasCallRules(scoped)).toBe(true);
    expect(hasCallRules(compilePacks([]))).toBe(false);
  });

  it('evaluates only call-time rules against the request, naming the tool', () => {
    const call = { method: 'tools/call', tool: 'rm', uri: '', prompt: '', arguments: { force: true } };
    expect(evaluateCall(scoped, { ...input, call })).toEqual([
      expect.objectContaining({
        rule: 'call-rm',
        subject: 'tool:rm',
        path: 'servers.srv.tools.rm',
        message: 'refused rm with force',
      }),
    ]);
    expect(evaluateCall(scoped, { ...input, call: { ...call, arguments: { force: false } } })).toEqual([]);
    expect(evaluateCall(scoped, { ...input, call: { ...call, arguments: {} } })).toEqual([]);
  });

  it('is empty without a call', () => {
    expect(evaluateCall(scoped, input)).toEqual([]);
  });

  it('uses the call given to buildPolicyInput', () => {
    const withCall = buildPolicyInput({
      name: 'srv',
      entry: serverEntry({ tools: [tool('rm')] }),
      call: { method: 'tools/call', tool: 'rm', arguments: { force: true } },
    });
    expect(evaluateCall(scoped, withCall).map((v) => v.rule)).toEqual(['call-rm']);
  });
});

describe('evaluateLock', () => {
  it('evaluates each server in name order with its own drift only', () => {
    const lock = lockfile({ bad: entry, another: serverEntry({ tools: [tool('secret_x')] }) });
    const verdicts = evaluateLock(scoped, lock, [drift]);
    expect([...new Set(verdicts.map((v) => v.server))]).toEqual(['another', 'bad']);
    expect(verdicts.filter((v) => v.rule === 'drift-critical').map((v) => v.server)).toEqual(['bad']);
  });
});
