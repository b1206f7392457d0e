import { CapsealError } from '../../shared/errors.js';
import type { Command } from '../io.js';

export const checkCommand: Command = {
  summary: '(not implemented yet)',
  usage: 'capseal check',
  async run() {
    throw new CapsealError('INTERNAL', 'check: not implemented yet');
  },
};
