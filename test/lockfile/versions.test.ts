import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffLocks } from '../../src/diff/index.js';
import {
  LOCKFILE_VERSION,
  parseLockfile,
  renderLockfileJsonSchema,
  sealEntry,
  serializeLockfile,
} from '../../src/lockfile/index.js';
import { CapsealError } from '../../src/shared/errors.js';
import { createEd25519Verifier, parsePublicKeyPem } from '../../src/sign/ed25519.js';
import { lockfilePayload } from '../../src/sign/payload.js';
import { lockfile, serverEntry, tool } from '../helpers/factories.js';

const REPO = join(import.meta.dirname, '..', '..');
const V1 = readFileSync(join(REPO, 'fixtures/locks/server-everything.json'), 'utf8');

function problems(text: string): string[] {
  try {
    parseLockfile(text, 'mcp-lock.json');
  } catch (error) {
    if (error instanceof CapsealError) return [error.message, ...error.details];
    throw error;
  }
  return [];
}

describe('lockfile versions', () => {
  it('capseal writes version 2', () => {
    expect(LOCKFILE_VERSION).toBe(2);
  });

  describe('a version-1 lockfile from the fixtures', () => {
    it('still parses, and writing it again keeps its bytes', () => {
      const lock = parseLockfile(V1, 'server-everything.json');
      expect(lock.lockfileVersion).toBe(1);
      expect(serializeLockfile(lock)).toBe(V1);
    });

    it('still verifies against the signature made over its version-1 bytes', () => {
      const verifier = createEd25519Verifier(
        parsePublicKeyPem(readFileSync(join(REPO, 'fixtures/keys/alice.pub.pem'), 'utf8')),
      );
      const sig = readFileSync(join(REPO, 'fixtures/locks/server-everything.json.sig'), 'utf8');
      expect(verifier.verify(lockfilePayload(V1), sig, 'sig').kind).toBe('ed25519');
      expect(() => verifier.verify(lockfilePayload(V1.replace('"index"', '"other"')), sig, 'sig')).toThrow(
        /does not match/,
      );
    });

    it('diffs clean against itself and against the same surface written as version 2', () => {
      const v1 = parseLockfile(V1);
      expect(diffLocks(v1, v1)).toEqual([]);
      const name = Object.keys(v1.servers)[0] as string;
      const entry = v1.servers[name] as NonNullable<(typeof v1.servers)[string]>;
      const v2 = {
        lockfileVersion: 2 as const,
        servers: {
          [name]: { ...entry, generations: { legacy: { protocolVersion: entry.server.protocolVersion } } },
        },
      };
      expect(diffLocks(v1, parseLockfile(serializeLockfile(v2)))).toEqual([]);
    });

    it('may not carry version-2 fields', () => {
      const lock = JSON.parse(V1) as { servers: Record<string, Record<string, unknown>> };
      const entry = Object.values(lock.servers)[0] as Record<string, unknown>;
      entry.generations = { legacy: { protocolVersion: '2025-11-25' } };
      expect(problems(JSON.stringify(lock)).some((p) => p.includes('generations'))).toBe(true);
    });
  });

  describe('a version-2 lockfile', () => {
    const withMeta = tool('show', {
      _meta: { ui: { resourceUri: 'ui://show', permissions: ['camera'] } },
      icons: [{ src: 'https://example.invalid/i.png', mimeType: 'image/png' }],
      execution: { taskSupport: 'optional' },
    });

    it('round-trips _meta, icons, execution, generations and an era split', () => {
      const legacy = serverEntry();
      const lock = {
        lockfileVersion: 2 as const,
        servers: {
          demo: serverEntry({
            tools: [withMeta],
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
        },
      };
      const text = serializeLockfile(lock);
      expect(serializeLockfile(parseLockfile(text))).toBe(text);
      expect(text.indexOf('"generations"')).toBeLessThan(text.indexOf('"server"'));
    });

    it('checks the digests of the legacy surface too', () => {
      const legacy = serverEntry();
      const lock = lockfile({ demo: serverEntry() });
      const doc = JSON.parse(
        serializeLockfile({
          ...lock,
          lockfileVersion: 2,
          servers: {
            demo: {
              ...serverEntry(),
              eras: {
                legacy: {
                  ...legacy,
                  tools: { echo: { ...(legacy.tools.echo as object), description: 'x' } as never },
                },
              },
            },
          },
        }),
      );
      expect(problems(JSON.stringify(doc))).toContain(
        'servers.demo.eras.legacy.tools.echo.digest: does not match the entry (edited without re-locking?)',
      );
    });

    describe('with a launch pattern', () => {
      const source = {
        transport: 'stdio' as const,
        command: 'node',
        args: ['server.js', '/srv/docs'],
        launchPattern: { cwd: '/srv/*', args: { '2': '/srv/*' } },
      };

      it('round-trips it (args before cwd) and writes a file claiming version 1 as version 2', () => {
        const text = serializeLockfile({ lockfileVersion: 1, servers: { demo: serverEntry({ source }) } });
        expect(JSON.parse(text).lockfileVersion).toBe(2);
        expect(parseLockfile(text).servers.demo?.source).toEqual(source);
        expect(text.indexOf('"launchPattern"')).toBeGreaterThan(text.indexOf('"args"'));
        expect(Object.keys(JSON.parse(text).servers.demo.source.launchPattern)).toEqual(['args', 'cwd']);
      });

      it('is not part of version 1, and refuses empty globs and unknown keys', () => {
        const v1 = JSON.parse(V1) as { servers: Record<string, { source: Record<string, unknown> }> };
        const name = Object.keys(v1.servers)[0] as string;
        (v1.servers[name] as { source: Record<string, unknown> }).source.launchPattern = { cwd: '/srv/*' };
        expect(problems(JSON.stringify(v1)).some((p) => p.includes('launchPattern'))).toBe(true);
        for (const launchPattern of [
          { cwd: '' },
          { args: { '1': '' } },
          { args: { '0': 'x' } },
          { command: 'node' },
        ]) {
          const text = JSON.stringify({
            lockfileVersion: 2,
            servers: { demo: serverEntry({ source: { ...source, launchPattern } as never }) },
          });
          expect(problems(text).some((p) => p.startsWith('servers.demo.source'))).toBe(true);
        }
      });
    });

    it('rejects unknown keys inside the new fields', () => {
      const entry = sealEntry('tools', 'x', {
        inputSchema: {},
        execution: { taskSupport: 'optional', extra: 1 },
      });
      const text = JSON.stringify({
        lockfileVersion: 2,
        servers: { demo: { ...serverEntry(), tools: { x: entry } } },
      });
      expect(problems(text).some((p) => p.startsWith('servers.demo.tools.x.execution'))).toBe(true);
    });
  });

  it('the generated JSON Schema describes both versions', () => {
    const schema = JSON.parse(renderLockfileJsonSchema()) as {
      oneOf: { properties: { lockfileVersion: { const: number } } }[];
    };
    expect(schema.oneOf.map((s) => s.properties.lockfileVersion.const).sort()).toEqual([1, 2]);
  });
});
