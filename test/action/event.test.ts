import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePullRequestContext } from '../../src/action/event.js';
import { CapsealError } from '../../src/shared/errors.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'github', name), 'utf8'));

describe('parsePullRequestContext', () => {
  it('reads a same-repository pull_request payload', () => {
    expect(
      parsePullRequestContext('pull_request', fixture('pull_request.opened.json'), 'acme/agent-tools'),
    ).toEqual({
      owner: 'acme',
      repo: 'agent-tools',
      number: 42,
      headSha: '4f1c0e2b9d8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
      baseSha: '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b',
      baseRef: 'main',
      author: 'dev',
      fromFork: false,
    });
  });

  it('knows a fork when the head repository differs from the base', () => {
    expect(
      parsePullRequestContext('pull_request', fixture('pull_request.fork.json'), 'acme/agent-tools')
        ?.fromFork,
    ).toBe(true);
  });

  it('is undefined for events that are not pull requests', () => {
    expect(parsePullRequestContext('push', fixture('push.json'), 'acme/agent-tools')).toBeUndefined();
    expect(parsePullRequestContext('schedule', {}, 'acme/agent-tools')).toBeUndefined();
    expect(parsePullRequestContext(undefined, {}, undefined)).toBeUndefined();
  });

  it('rejects a pull_request payload without the fields it needs, naming them', () => {
    const run = () => parsePullRequestContext('pull_request', { pull_request: { number: 1 } }, 'a/b');
    expect(run).toThrow(CapsealError);
    expect(run).toThrow(/not a pull_request event payload/);
    try {
      run();
    } catch (error) {
      expect((error as CapsealError).details.join('\n')).toMatch(/pull_request\.head/);
    }
  });

  it('reads pull_request_review payloads (the gate re-runs when someone approves)', () => {
    expect(
      parsePullRequestContext('pull_request_review', fixture('pull_request.opened.json'), 'acme/agent-tools')
        ?.number,
    ).toBe(42);
  });
});
