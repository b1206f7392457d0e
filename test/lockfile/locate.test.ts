import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPath } from '../../src/lockfile/index.js';
import { locateNearestPath, locatePath, parseFormattedPath } from '../../src/lockfile/locate.js';

const text = readFileSync(
  join(import.meta.dirname, '..', '..', 'fixtures', 'drift', 'tool-homoglyph-rename', 'head.json'),
  'utf8',
);
const lines = text.split('\n');
const lineOf = (needle: string, from = 0) => lines.findIndex((l, i) => i >= from && l.includes(needle)) + 1;

describe('parseFormattedPath', () => {
  it.each([
    [['servers', 'demo', 'tools', 'echo', 'description']],
    [['servers', 'demo', 'tools', 'read_fіle']],
    [['servers', 'a b', 'source', 'args', 1]],
    [['servers', 'x', 'resources', 'file:///{path}', 'name']],
    [['servers', 'q"uote\\', 'tools']],
  ])('inverts formatPath for %j', (segments) => {
    expect(parseFormattedPath(formatPath(segments))).toEqual(segments);
  });

  it('rejects malformed paths', () => {
    expect(parseFormattedPath('servers..x')).toBeUndefined();
    expect(parseFormattedPath('servers[oops]')).toBeUndefined();
  });
});

describe('locatePath', () => {
  it('finds a dotted path at the line of its key', () => {
    const server = lineOf('"files"');
    const pos = locatePath(text, 'servers.files.tools.list_dir.description');
    expect(pos).toEqual({ line: lineOf('"description": "List a directory."', server), column: 11 });
  });

  it('finds a quoted (homoglyph) key', () => {
    expect(locatePath(text, formatPath(['servers', 'files', 'tools', 'read_fіle']))?.line).toBe(
      lineOf('"read_fіle"'),
    );
  });

  it('finds array elements and the root', () => {
    expect(locatePath(text, 'servers.files.source.args[1]')?.line).toBe(lineOf('"@acme/files-mcp@1.2.0"'));
    expect(locatePath(text, '(root)')).toEqual({ line: 1, column: 1 });
  });

  it('returns undefined for a path that is not there, and the nearest prefix on request', () => {
    expect(locatePath(text, 'servers.files.tools.exec_shell')).toBeUndefined();
    expect(locateNearestPath(text, 'servers.files.tools.exec_shell')).toMatchObject({
      line: lineOf('"tools"', lineOf('"instructions"')),
      exact: false,
      matched: 3,
    });
  });
});
