import { renderLockfileJsonSchema } from '../../lockfile/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../io.js';

export const schemaCommand: Command = {
  summary: 'print the JSON Schema of mcp-lock.json',
  usage: 'capseal schema',
  async run(argv, io) {
    parseCommandArgs('schema', argv, {}, { stderr: io.stderr });
    io.stdout.write(renderLockfileJsonSchema());
    return 0;
  },
};
