import type { Command } from '../io.js';
import { checkCommand } from './check.js';
import { diffCommand } from './diff.js';
import { gatewayCommand } from './gateway.js';
import { initCommand } from './init.js';
import { keygenCommand } from './keygen.js';
import { lockCommand } from './lock.js';
import { policyCommand } from './policy.js';
import { proxyCommand } from './proxy.js';
import { scanCommand } from './scan.js';
import { schemaCommand } from './schema.js';
import { signCommand } from './sign.js';
import { verifyCommand } from './verify.js';

/** The command table. Each command lives in its own file; this is the only place that lists them. */
export const commands: Record<string, Command> = {
  init: initCommand,
  scan: scanCommand,
  lock: lockCommand,
  check: checkCommand,
  diff: diffCommand,
  policy: policyCommand,
  keygen: keygenCommand,
  sign: signCommand,
  verify: verifyCommand,
  proxy: proxyCommand,
  gateway: gatewayCommand,
  schema: schemaCommand,
};
