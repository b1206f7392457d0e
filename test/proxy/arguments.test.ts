import { describe, expect, it } from 'vitest';
import { ArgumentValidator } from '../../src/proxy/arguments.js';

const tool = (
  inputSchema: Record<string, unknown>,
  digest = `sha256:${JSON.stringify(inputSchema).length}`,
) => ({
  digest,
  inputSchema,
});

describe('ArgumentValidator', () => {
  describe('tools', () => {
    const strict = {
      type: 'object',
      properties: { path: { type: 'string', pattern: '^/srv/' } },
      required: ['path'],
      additionalProperties: false,
    };

    it.each([
      ['no $schema (2020-12, as MCP says)', undefined],
      ['2020-12', 'https://json-schema.org/draft/2020-12/schema'],
      ['2019-09', 'https://json-schema.org/draft/2019-09/schema'],
      ['draft-07', 'http://json-schema.org/draft-07/schema#'],
      ['draft-06', 'http://json-schema.org/draft-06/schema#'],
    ])('validates against a %s schema', (_what, $schema) => {
      const v = new ArgumentValidator();
      const entry = tool({ ...strict, ...($schema ? { $schema } : {}) });
      expect(v.tool(entry, { path: '/srv/a' })).toBeUndefined();
      expect(v.tool(entry, { path: '/etc/passwd' })).toEqual([
        { path: '/path', message: 'must match pattern "^/srv/"' },
      ]);
      expect(v.tool(entry, { path: '/srv/a', extra: 1 })).toEqual([
        { path: '', message: 'must NOT have additional properties (extra)' },
      ]);
      expect(v.tool(entry, {})?.[0]?.message).toMatch(/required property 'path'/);
    });

    it('refuses every call against a schema it cannot compile: another dialect, a broken $ref, 100,000 levels', () => {
      const v = new ArgumentValidator();
      let deep: Record<string, unknown> = { type: 'string' };
      for (let i = 0; i < 100_000; i++) deep = { type: 'object', properties: { a: deep } };
      for (const schema of [
        { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' },
        { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } },
        deep,
      ]) {
        expect(v.tool(tool(schema, `sha256:${Math.random()}`), {})?.[0]?.message).toMatch(
          /not supported|does not compile/,
        );
      }
    });

    it('compiles once per locked digest, and keeps same-$id schemas of different tools apart', () => {
      const v = new ArgumentValidator();
      const a = tool(
        { $id: 'https://example.com/args', type: 'object', properties: { n: { type: 'number' } } },
        'sha256:a',
      );
      const b = tool(
        { $id: 'https://example.com/args', type: 'object', properties: { n: { type: 'string' } } },
        'sha256:b',
      );
      expect(v.tool(a, { n: 1 })).toBeUndefined();
      expect(v.tool(b, { n: 1 })).toHaveLength(1);
      expect(v.tool(a, { n: 'x' })).toHaveLength(1);
    });

    it('caps the errors it reports', () => {
      const v = new ArgumentValidator();
      const props = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`p${i}`, { type: 'string' }]));
      const entry = tool({ type: 'object', properties: props, required: Object.keys(props) });
      expect(v.tool(entry, {})).toHaveLength(1); // allErrors off: the first error only, cheaply
    });
  });

  describe('prompts', () => {
    const greet = { arguments: [{ name: 'who', required: true }, { name: 'tone' }] };
    it.each([
      [{ who: 'a' }, undefined],
      [{ who: 'a', tone: 'warm' }, undefined],
      [{}, [{ path: '', message: "must have required argument 'who'" }]],
      [{ who: 'a', cmd: 'rm' }, [{ path: '/cmd', message: 'is not an argument of this prompt' }]],
      [{ who: 5 }, [{ path: '/who', message: 'must be string' }]],
      [['a'], [{ path: '', message: 'must be an object' }]],
    ])('%j → %j', (args, expected) => {
      expect(new ArgumentValidator().prompt(greet, args)).toEqual(expected);
    });
  });
});
