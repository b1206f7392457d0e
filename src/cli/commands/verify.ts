import { CapsealError } from '../../shared/errors.js';
import type { Command } from '../io.js';

export const verifyCommand: Command = {
  summary: '(not implemented yet)',
  usage: 'capseal verify',
  async run() {
    throw new CapsealError('INTERNAL', 'verify: not implemented yet');
  },
};
