import { CapsealError } from '../../shared/errors.js';
import type { Command } from '../io.js';

export const signCommand: Command = {
  summary: '(not implemented yet)',
  usage: 'capseal sign',
  async run() {
    throw new CapsealError('INTERNAL', 'sign: not implemented yet');
  },
};
