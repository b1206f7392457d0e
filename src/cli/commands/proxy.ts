import { CapsealError } from '../../shared/errors.js';
import type { Command } from '../io.js';

export const proxyCommand: Command = {
  summary: '(not implemented yet)',
  usage: 'capseal proxy',
  async run() {
    throw new CapsealError('INTERNAL', 'proxy: not implemented yet');
  },
};
