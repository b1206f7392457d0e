import { CapsealError } from '../../shared/errors.js';
import type { Command } from '../io.js';

export const diffCommand: Command = {
  summary: '(not implemented yet)',
  usage: 'capseal diff',
  async run() {
    throw new CapsealError('INTERNAL', 'diff: not implemented yet');
  },
};
