import { describe, expect, it } from 'vitest';
import {
  createNamespace,
  exposeName,
  findNamespaceProblems,
  type LockedNames,
  resolveName,
} from '../../src/gateway/index.js';

const names = (tools: string[], prompts: string[] = []): LockedNames['names'] => ({
  tools,
  prompts,
  resources: [],
  resourceTemplates: [],
});

describe('namespacing', () => {
  const ns = createNamespace('__', ['fs', 'fs_x', 'web']);

  it('exposes <upstream><separator><name> and resolves it back', () => {
    expect(exposeName(ns, 'fs', 'read_file')).toBe('fs__read_file');
    expect(resolveName(ns, 'fs__read_file')).toEqual({ upstream: 'fs', name: 'read_file' });
    expect(resolveName(ns, 'web__file:///a')).toEqual({ upstream: 'web', name: 'file:///a' });
  });

  it('prefers the longest upstream prefix and refuses names without one', () => {
    expect(resolveName(ns, 'fs_x__a')).toEqual({ upstream: 'fs_x', name: 'a' });
    expect(resolveName(ns, 'nowhere__a')).toBeUndefined();
    expect(resolveName(ns, 'fs__')).toBeUndefined();
  });

  it('reports collisions between upstreams as start-up problems', () => {
    const clash = createNamespace('_', ['a', 'a_b']);
    const problems = findNamespaceProblems(clash, [
      { upstream: 'a', names: names(['b_c']) },
      { upstream: 'a_b', names: names(['c']) },
    ]);
    expect(problems.join('\n')).toMatch(/exposed as a_b_c/);
  });

  it('reports exposed names outside the spec rules', () => {
    const long = 'x'.repeat(130);
    const problems = findNamespaceProblems(ns, [
      { upstream: 'fs', names: names([long, 'ok'], ['has space']) },
    ]);
    expect(problems).toHaveLength(2);
    expect(problems[1]).toMatch(/prompts\["has space"\]/);
  });

  it('keeps each kind its own namespace', () => {
    expect(findNamespaceProblems(ns, [{ upstream: 'fs', names: names(['a'], ['a']) }])).toEqual([]);
  });
});
