import { describe, expect, it } from 'vitest';
import { type Surface, sealEntry, sealServerInfo, type ToolEntry } from '../../src/lockfile/index.js';
import { surfacesDiffer, withLegacyVocabulary } from '../../src/snapshot/eras.js';

const surface = (
  protocolVersion: string,
  tool: object,
  capabilities: Record<string, unknown> = {},
): Surface => ({
  server: sealServerInfo({ name: 's', version: '1', protocolVersion, capabilities }),
  tools: { t: sealEntry('tools', 't', { inputSchema: {}, ...tool }) as ToolEntry },
  prompts: {},
  resources: {},
  resourceTemplates: {},
});

describe('surfacesDiffer', () => {
  it('ignores the protocol version and the 2025-only vocabulary (execution, the tasks capability)', () => {
    const modern = surface('2026-07-28', {});
    const legacy = surface('2025-11-25', { execution: { taskSupport: 'optional' } }, { tasks: {} });
    expect(surfacesDiffer(modern, legacy)).toBe(false);
  });

  it('sees any other difference', () => {
    expect(surfacesDiffer(surface('2026-07-28', { description: 'x' }), surface('2025-11-25', {}))).toBe(true);
    expect(surfacesDiffer(surface('2026-07-28', {}, { tools: {} }), surface('2025-11-25', {}))).toBe(true);
  });
});

describe('withLegacyVocabulary', () => {
  it('folds execution and the tasks capability of the 2025 surface into the modern one, re-sealed', () => {
    const merged = withLegacyVocabulary(
      surface('2026-07-28', {}),
      surface('2025-11-25', { execution: { taskSupport: 'required' } }, { tasks: { list: {} } }),
    );
    expect(merged.tools.t?.execution).toEqual({ taskSupport: 'required' });
    expect(merged.tools.t?.digest).toBe(
      sealEntry('tools', 't', { inputSchema: {}, execution: { taskSupport: 'required' } }).digest,
    );
    expect(merged.server.capabilities).toEqual({ tasks: { list: {} } });
    expect(merged.server.protocolVersion).toBe('2026-07-28');
  });
});
