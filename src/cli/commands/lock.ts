import { CapsealError } from '../../shared/errors.js';
import type { Command } from '../io.js';

export const lockCommand: Command = {
  summary: '(not implemented yet)',
  usage: 'capseal lock',
  async run() {
    throw new CapsealError('INTERNAL', 'lock: not implemented yet');
  },
};
