import { CapsealError } from '../../shared/errors.js';
import type { Command } from '../io.js';

export const policyCommand: Command = {
  summary: '(not implemented yet)',
  usage: 'capseal policy',
  async run() {
    throw new CapsealError('INTERNAL', 'policy: not implemented yet');
  },
};
