import { describe, expect, it } from 'vitest';
import {
  createNamespace,
  exposeName,
  findNamespaceProblems,
  type LockedNames,
  resolveName,
  routesBack,
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

  describe('with an unprefixed upstream', () => {
    const open = createNamespace('__', ['fs', 'target'], 'target');

    it('exposes its entries under their own names and routes unclaimed names to it', () => {
      expect(exposeName(open, 'target', 'echo')).toBe('echo');
      expect(exposeName(open, 'fs', 'echo')).toBe('fs__echo');
      expect(resolveName(open, 'echo')).toEqual({ upstream: 'target', name: 'echo' });
      expect(resolveName(open, 'test://static')).toEqual({ upstream: 'target', name: 'test://static' });
      expect(resolveName(open, 'target__echo')).toEqual({ upstream: 'target', name: 'target__echo' });
      expect(resolveName(open, '')).toBeUndefined();
    });

    it('lets the other upstreams keep their prefixes, which always win', () => {
      expect(resolveName(open, 'fs__echo')).toEqual({ upstream: 'fs', name: 'echo' });
      expect(routesBack(open, 'fs', 'echo')).toBe(true);
      expect(routesBack(open, 'target', 'fs__echo')).toBe(false);
    });

    it('reports its names that equal or route to another upstream as start-up problems', () => {
      const problems = findNamespaceProblems(open, [
        { upstream: 'fs', names: names(['read']) },
        { upstream: 'target', names: names(['fs__read', 'echo']) },
      ]);
      expect(problems).toEqual([
        'upstreams.target.tools["fs__read"]: exposed as fs__read, which upstream fs also exposes',
      ]);
      const routed = findNamespaceProblems(open, [{ upstream: 'target', names: names(['fs__other']) }]);
      expect(routed).toEqual([
        'upstreams.target.tools["fs__other"]: exposed as fs__other, which would route to upstream fs',
      ]);
    });

    it('ignores an unprefixed name that is not one of the upstreams', () => {
      expect(createNamespace('__', ['fs'], 'nope')).toEqual({ separator: '__', upstreams: ['fs'] });
    });
  });

  it('keeps each kind its own namespace', () => {
    expect(findNamespaceProblems(ns, [{ upstream: 'fs', names: names(['a'], ['a']) }])).toEqual([]);
  });
});
