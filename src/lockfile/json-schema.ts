import { z } from 'zod';
import { LockfileSchema } from './schema.js';

/** The JSON Schema of mcp-lock.json, generated from the zod schema (written to dist/lockfile.schema.json). */
export function renderLockfileJsonSchema(): string {
  const schema = z.toJSONSchema(LockfileSchema, { target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, $id: 'https://capseal.dev/lockfile.schema.json', title: 'capseal lockfile' }, null, 2)}\n`;
}
