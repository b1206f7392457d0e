import type { Command } from '../io.js';
import { schemaCommand } from './schema.js';

/** The command table. Each command lives in its own file; this is the only place that lists them. */
export const commands: Record<string, Command> = {
  schema: schemaCommand,
};
