import { describe, expect, it } from 'vitest';
import { renderScanSummary } from '../../src/snapshot/summary.js';
import { serverEntry, tool } from '../helpers/factories.js';

describe('renderScanSummary', () => {
  it('lists each server with its artifact, sandbox and entries', () => {
    const text = renderScanSummary({
      b: serverEntry({ tools: [tool('write', { annotations: { destructiveHint: true } })] }),
      a: serverEntry(),
    });
    expect(text.indexOf('a: fixture 1.0.0')).toBeLessThan(text.indexOf('b: fixture 1.0.0'));
    expect(text).toContain('artifact: file server.js sha256:aaaaaaaaaaaa…');
    expect(text).toContain('sandbox:  env allow-list · HOME temp · cwd temp · network allowed');
    expect(text).toContain('tools (1):');
    expect(text).toMatch(/write +The write tool {2}\[destructive\]/);
    expect(text).toContain('prompts: none');
    expect(text).toContain('generations: 2025-11-25 only');
  });

  it('names the generations and an era split', () => {
    const legacy = serverEntry();
    const text = renderScanSummary({
      s: serverEntry({
        tools: [tool('read_file'), tool('exec_shell')],
        generations: {
          modern: { supportedVersions: ['2026-07-28'] },
          legacy: { protocolVersion: '2025-11-25' },
        },
        eras: {
          legacy: {
            server: legacy.server,
            tools: legacy.tools,
            prompts: {},
            resources: {},
            resourceTemplates: {},
          },
        },
      }),
    });
    expect(text).toContain('generations: 2026-07-28 + 2025-11-25');
    expect(text).toContain('ERA SPLIT: 2025 clients (initialize) get another surface; their tools: echo');
  });
});
