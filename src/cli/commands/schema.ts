import { renderLockfileJsonSchema } from '../../lockfile/index.js';
import type { Command } from '../io.js';

export const schemaCommand: Command = {
  summary: 'print the JSON Schema of mcp-lock.json',
  usage: 'capseal schema',
  async run(_argv, io) {
    io.stdout.write(renderLockfileJsonSchema());
    return 0;
  },
};
