import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS_CONTEXT, type StateScope, stateKey } from '../../src/proxy/index.js';

// The key of shared verified state: upstream, generation and authorization context, then kind and key.
describe('stateKey', () => {
  const scope: StateScope = { upstream: 'fs', generation: 'legacy', authorization: ANONYMOUS_CONTEXT };

  it('differs in every part of the scope', () => {
    const base = stateKey(scope, 'drift:tools', 'read_file');
    for (const other of [
      stateKey({ ...scope, upstream: 'fs2' }, 'drift:tools', 'read_file'),
      stateKey({ ...scope, generation: 'modern' }, 'drift:tools', 'read_file'),
      stateKey({ ...scope, authorization: 'sub:alice' }, 'drift:tools', 'read_file'),
      stateKey(scope, 'drift:prompts', 'read_file'),
      stateKey(scope, 'drift:tools', 'read_fileX'),
    ])
      expect(other).not.toBe(base);
    expect(stateKey({ ...scope }, 'drift:tools', 'read_file')).toBe(base);
  });

  it('never maps two scopes to one key, whatever the authorization context holds (property)', () => {
    const arbScope = fc.record({
      upstream: fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/),
      generation: fc.constantFrom('modern' as const, 'legacy' as const),
      authorization: fc.string({ unit: fc.constantFrom('a', '\\', '\u0000', '0', 'b') }),
    });
    fc.assert(
      fc.property(arbScope, arbScope, fc.string(), (a, b, key) => {
        const same =
          a.upstream === b.upstream && a.generation === b.generation && a.authorization === b.authorization;
        expect(stateKey(a, 'drift:tools', key) === stateKey(b, 'drift:tools', key)).toBe(same);
      }),
      { numRuns: 2000 },
    );
  });
});
