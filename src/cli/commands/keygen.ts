import { CapsealError } from '../../shared/errors.js';
import type { Command } from '../io.js';

export const keygenCommand: Command = {
  summary: '(not implemented yet)',
  usage: 'capseal keygen',
  async run() {
    throw new CapsealError('INTERNAL', 'keygen: not implemented yet');
  },
};
