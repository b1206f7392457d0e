import * as core from '@actions/core';
import { runAction } from './run.js';
import { createSafeLog } from './safe-log.js';

// The action's entry point (dist/action.js): the only module with side effects. Exit code 1 on failure
// comes from core.setFailed. runAction handles every error it knows; anything escaping it is our bug, and
// its text (which may quote a server) is printed inert, never as a raw stack on stderr.
try {
  await runAction({ core, env: process.env, cwd: process.cwd() });
} catch (error) {
  createSafeLog(core).fail(
    'capseal: internal error (please report this)',
    error instanceof Error ? (error.stack ?? error.message) : String(error),
  );
}
