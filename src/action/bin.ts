import * as core from '@actions/core';
import { runAction } from './run.js';

// The action's entry point (dist/action.js): the only module with side effects. Exit code 1 on failure
// comes from core.setFailed.
await runAction({ core, env: process.env, cwd: process.cwd() });
