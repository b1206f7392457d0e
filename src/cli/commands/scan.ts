import { CapsealError } from '../../shared/errors.js';
import type { Command } from '../io.js';

export const scanCommand: Command = {
  summary: '(not implemented yet)',
  usage: 'capseal scan',
  async run() {
    throw new CapsealError('INTERNAL', 'scan: not implemented yet');
  },
};
