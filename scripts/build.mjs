#!/usr/bin/env node
// Bundles the CLI and the Action with @vercel/ncc into dist/ and generates dist/lockfile.schema.json.
// `node scripts/build.mjs --out DIR` builds elsewhere (the dist freshness test compares the two).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ncc from '@vercel/ncc';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
const out = outIndex > 0 ? resolve(process.argv[outIndex + 1]) : join(root, 'dist');

const entries = [
  { input: 'src/cli/bin.ts', output: 'cli.js', shebang: true },
  { input: 'src/action/bin.ts', output: 'action.js', shebang: false },
];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const assets = new Map();
for (const entry of entries) {
  const { code, assets: entryAssets } = await ncc(join(root, entry.input), {
    minify: false,
    sourceMap: false,
    quiet: true,
    target: 'es2023',
    externals: [],
    cache: false,
  });
  const body = code.startsWith('#!') ? code.slice(code.indexOf('\n') + 1) : code;
  writeFileSync(join(out, entry.output), (entry.shebang ? '#!/usr/bin/env node\n' : '') + body, {
    mode: 0o755,
  });
  for (const [name, asset] of Object.entries(entryAssets ?? {})) {
    const previous = assets.get(name);
    const source = Buffer.from(asset.source);
    if (previous && !previous.equals(source)) throw new Error(`asset ${name} differs between bundles`);
    assets.set(name, source);
    mkdirSync(dirname(join(out, name)), { recursive: true });
    writeFileSync(join(out, name), source, asset.permissions ? { mode: asset.permissions } : undefined);
  }
}
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
const schema = execFileSync(process.execPath, [join(out, 'cli.js'), 'schema'], { encoding: 'utf8' });
writeFileSync(join(out, 'lockfile.schema.json'), schema);
// Sanity: the schema must be JSON.
JSON.parse(readFileSync(join(out, 'lockfile.schema.json'), 'utf8'));
