import { describe, expect, it } from 'vitest';
import { type InputName, parseActionInputs } from '../../src/action/inputs.js';
import { CapsealError } from '../../src/shared/errors.js';

const parse = (given: Partial<Record<InputName, string>>) => parseActionInputs((name) => given[name] ?? '');

function failure(given: Partial<Record<InputName, string>>): CapsealError {
  try {
    parse(given);
  } catch (error) {
    if (error instanceof CapsealError) return error;
    throw error;
  }
  throw new Error('expected the inputs to be rejected');
}

describe('parseActionInputs', () => {
  it('applies the defaults action.yml documents when inputs are empty', () => {
    expect(parse({ 'server-command': 'node s.js' })).toEqual({
      mode: 'check',
      lockfile: 'mcp-lock.json',
      source: { kind: 'command', argv: ['node', 's.js'] },
      failOn: 'critical',
      policy: [],
      signature: { kind: 'none' },
      sigstore: false,
      comment: 'review',
      githubToken: undefined,
      sarifFile: undefined,
      baseLockfile: undefined,
      approveWith: { kind: 'review' },
      allowPullRequestTarget: false,
      sandbox: 'strict',
      network: 'denied',
    });
  });

  it('reads sandbox and network, and rejects anything else', () => {
    expect(parse({ 'server-command': 'node s.js', sandbox: 'auto', network: 'allow' })).toMatchObject({
      sandbox: 'auto',
      network: 'allowed',
    });
    expect(failure({ 'server-command': 'node s.js', sandbox: 'maybe', network: 'open' }).details).toEqual([
      'sandbox: must be one of strict, auto, off (got "maybe")',
      'network: must be one of deny, allow (got "open")',
    ]);
  });

  it('names the approvers for approve-with signature with the key inputs, without require-signature', () => {
    const inputs = parse({ config: '.mcp.json', 'approve-with': 'signature', 'public-key': 'approvers.pub' });
    expect(inputs.approveWith).toEqual({
      kind: 'signature',
      signer: { kind: 'key', publicKeyPath: 'approvers.pub' },
    });
    expect(inputs.signature).toEqual({ kind: 'none' });
    expect(() => parse({ config: '.mcp.json', 'approve-with': 'signature' })).toThrow(
      /approve-with.*needs the approvers/,
    );
    expect(() => parse({ config: '.mcp.json', 'approve-with': 'vote' })).toThrow(
      /must be one of review, signature/,
    );
  });

  it('reads every input in its documented form', () => {
    const inputs = parse({
      mode: 'check',
      lockfile: 'locks/mcp-lock.json',
      config: '.mcp.json',
      'fail-on': 'moderate',
      policy: 'baseline\n  # the strict one later\npolicies/ours.yaml\n\n',
      'require-signature': 'true',
      'sigstore-identity':
        'https://github.com/acme/agent-tools/.github/workflows/release.yml@refs/heads/main',
      'sigstore-issuer': 'https://token.actions.githubusercontent.com',
      comment: 'summary',
      'github-token': 'ghs_x',
      'sarif-file': 'capseal.sarif',
    });
    expect(inputs).toMatchObject({
      source: { kind: 'config', path: '.mcp.json' },
      failOn: 'moderate',
      policy: ['baseline', 'policies/ours.yaml'],
      signature: { kind: 'sigstore', issuer: 'https://token.actions.githubusercontent.com' },
      comment: 'summary',
      githubToken: 'ghs_x',
      sarifFile: 'capseal.sarif',
    });
  });

  it('takes server-url as the source, and mode sign implies keyless signing', () => {
    expect(parse({ 'server-url': 'http://127.0.0.1:3001/mcp' }).source).toEqual({
      kind: 'url',
      url: 'http://127.0.0.1:3001/mcp',
    });
    expect(parse({ mode: 'sign' }).sigstore).toBe(true);
  });

  describe('rejects invalid input with a message naming the input', () => {
    it.each([
      [
        { mode: 'deploy', 'server-command': 'node s.js' },
        'mode',
        /must be one of check, lock, policy, sign, verify/,
      ],
      [
        { 'fail-on': 'high', 'server-command': 'node s.js' },
        'fail-on',
        /critical, moderate, info \(got "high"\)/,
      ],
      [{ comment: 'loud', 'server-command': 'node s.js' }, 'comment', /review, summary, none/],
      [{ 'require-signature': 'yes', 'server-command': 'node s.js' }, 'require-signature', /true or false/],
      [{ 'server-command': 'node s.js | sh' }, 'server-command', /not run by a shell/],
      [{ 'server-url': 'file:///etc/passwd' }, 'server-url', /http\(s\) URL/],
      [{ mode: 'lock' }, 'server-command', /needs a server/],
      [{ config: 'a.json', 'server-command': 'node s.js' }, 'config', /only one of/],
      [{ mode: 'verify' }, 'mode', /needs public-key/],
      [{ 'require-signature': 'true', 'server-command': 'node s' }, 'require-signature', /needs public-key/],
      [{ 'sigstore-identity': 'x', 'server-command': 'node s' }, 'sigstore-issuer', /required together/],
      [{ 'public-key': 'k.pem', 'server-command': 'node s' }, 'require-signature', /not true/],
      [{ sigstore: 'true', mode: 'policy' }, 'sigstore', /only applies to mode "sign" or "lock"/],
    ] as const)('%j', (given, name, reason) => {
      const error = failure(given);
      expect(error.code).toBe('USAGE');
      expect(error.message).toContain(`invalid input "${name}"`);
      expect(error.message).toMatch(reason);
    });

    it('lists every problem, one detail per input', () => {
      const error = failure({ mode: 'x', 'fail-on': 'y', comment: 'z' });
      expect(error.details).toHaveLength(3);
      expect(error.details.map((d) => d.split(':')[0])).toEqual(['mode', 'fail-on', 'comment']);
    });
  });
});
