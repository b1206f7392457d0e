import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sealEntry, sealServerInfo } from '../../src/lockfile/index.js';
import { buildPolicyInput, PolicyInputSchema, renderPolicyInputJsonSchema } from '../../src/policy/index.js';
import { collectStrings } from '../../src/policy/input.js';
import { REPO } from '../helpers/cli.js';
import { serverEntry, tool } from '../helpers/factories.js';

describe('buildPolicyInput', () => {
  const entry = serverEntry({
    source: { transport: 'streamable-http', url: 'https://mcp.example.com/mcp' },
    artifact: { kind: 'remote', url: 'https://mcp.example.com/mcp' },
    server: sealServerInfo({
      name: 'srv',
      version: '1.2.3',
      protocolVersion: '2025-11-25',
      capabilities: {},
      instructions: 'Be nice.',
    }),
    tools: [
      tool('zeta', {
        title: 'Zeta',
        annotations: { readOnlyHint: true },
        inputSchema: {
          type: 'object',
          properties: { path: { type: 'string', description: 'Where', enum: ['a', 'b'] } },
          required: ['path'],
        },
      }),
      tool('alpha', { description: undefined }),
    ],
    prompts: {
      p: sealEntry('prompts', 'p', {
        description: 'A prompt',
        arguments: [{ name: 'x', description: 'X' }],
      }) as never,
    },
  });
  const input = buildPolicyInput({ name: 'remote', entry });

  it('normalizes absent strings to "" and absent objects to {}', () => {
    expect(input.server).toMatchObject({
      name: 'remote',
      transport: 'streamable-http',
      command: '',
      args: [],
      url: 'https://mcp.example.com/mcp',
      info: { title: '', instructions: 'Be nice.' },
      artifact: { kind: 'remote', url: 'https://mcp.example.com/mcp', integrity: '' },
    });
    expect(input.tools.find((t) => t.name === 'alpha')).toMatchObject({
      description: '',
      title: '',
      outputSchema: {},
      annotations: {},
    });
  });

  it('sorts entries and collects every text the model reads, including nested schema strings', () => {
    expect(input.tools.map((t) => t.name)).toEqual(['alpha', 'zeta']);
    expect(input.tools[1]?.texts).toEqual(['Zeta', 'The zeta tool', 'path', 'Where', 'a', 'b']);
    expect(input.prompts[0]).toMatchObject({
      arguments: [{ name: 'x', title: '', description: 'X', required: false }],
      texts: ['A prompt', 'x', 'X'],
    });
  });

  it('validates against its own schema, with and without a call', () => {
    expect(PolicyInputSchema.safeParse(input).success).toBe(true);
    const withCall = buildPolicyInput({ name: 'x', entry, call: { method: 'tools/call', tool: 'zeta' } });
    expect(withCall.call).toEqual({ method: 'tools/call', tool: 'zeta', uri: '', prompt: '', arguments: {} });
    expect(PolicyInputSchema.safeParse(withCall).success).toBe(true);
  });

  it('keeps only the drifts of this server', () => {
    const d = {
      kind: 'tool.added',
      severity: 'critical' as const,
      subject: 'tool' as const,
      path: 'p',
      message: 'm',
    };
    const withDrift = buildPolicyInput({
      name: 'a',
      entry,
      drifts: [
        { ...d, server: 'a', key: 'k' },
        { ...d, server: 'b' },
      ],
    });
    expect(withDrift.drift).toEqual([
      { kind: 'tool.added', severity: 'critical', subject: 'tool', key: 'k', path: 'p', message: 'm' },
    ]);
  });

  it('collectStrings stops at a depth bound', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 200; i++) deep = { x: deep };
    expect(collectStrings(deep)).toEqual([]);
  });
});

describe('policies/input.schema.json', () => {
  it('is generated from the zod schema and up to date (regenerate: capseal policy schema > policies/input.schema.json)', () => {
    expect(readFileSync(join(REPO, 'policies', 'input.schema.json'), 'utf8')).toBe(
      renderPolicyInputJsonSchema(),
    );
  });
});
