import { describe, expect, it } from 'vitest';
import { parseNpmSpec, planArtifact } from '../../src/snapshot/artifact.js';

const stdio = (command: string, ...args: string[]) => ({
  name: 's',
  transport: 'stdio' as const,
  command,
  args,
});

describe('planArtifact', () => {
  it.each([
    [
      stdio('npx', '-y', '@modelcontextprotocol/server-everything'),
      { kind: 'npm', name: '@modelcontextprotocol/server-everything' },
    ],
    [stdio('npx', '-y', 'pkg@1.2.3', '--port', '3'), { kind: 'npm', name: 'pkg', requested: '1.2.3' }],
    [stdio('npx', '@scope/pkg@^2'), { kind: 'npm', name: '@scope/pkg', requested: '^2' }],
    [
      stdio('npx', '--yes', '-p', 'pkg@1.0.0', 'pkg-bin', 'stdio'),
      { kind: 'npm', name: 'pkg', requested: '1.0.0' },
    ],
    [stdio('npm', 'exec', '--', 'pkg'), { kind: 'npm', name: 'pkg' }],
    [stdio('npx', 'github:user/repo'), { kind: 'unresolved' }],
    [stdio('npx', './local-dir'), { kind: 'unresolved' }],
    [stdio('node', '--enable-source-maps', 'dist/server.js'), { kind: 'file', path: 'dist/server.js' }],
    [stdio('python3', 'server.py'), { kind: 'file', path: 'server.py' }],
    [stdio('./bin/server'), { kind: 'file', path: './bin/server' }],
    [stdio('mcp-server-git', '--repo', '.'), { kind: 'binary', command: 'mcp-server-git' }],
    [
      stdio('docker', 'run', '-i', '--rm', '-e', 'TOKEN', 'ghcr.io/org/server:1.0'),
      { kind: 'docker', image: 'ghcr.io/org/server:1.0' },
    ],
    [
      stdio('docker', 'run', '--name=x', 'img@sha256:' + 'a'.repeat(64)),
      { kind: 'docker', image: `img@sha256:${'a'.repeat(64)}` },
    ],
    [stdio('docker', 'compose', 'up'), { kind: 'unresolved' }],
    [
      { name: 'r', transport: 'streamable-http' as const, url: 'https://x.test/mcp' },
      { kind: 'remote', url: 'https://x.test/mcp' },
    ],
  ])('%j → %j', (spec, expected) => {
    expect(planArtifact(spec)).toMatchObject(expected);
  });
});

describe('parseNpmSpec', () => {
  it('splits name and version, scoped or not', () => {
    expect(parseNpmSpec('@a/b@1.0.0')).toEqual({ name: '@a/b', requested: '1.0.0' });
    expect(parseNpmSpec('b')).toEqual({ name: 'b' });
    expect(parseNpmSpec('https://x/y.tgz')).toBeUndefined();
  });
});
