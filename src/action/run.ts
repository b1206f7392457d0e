import { resolve } from 'node:path';
import { codeSpan, escapeMarkdown, renderErrorSummary } from '../report/index.js';
import { CapsealError, formatError, type Outcome, outcomeFor } from '../shared/index.js';
import { runCheckMode } from './check-mode.js';
import {
  type ActionLog,
  checkPolicy,
  type EngineContext,
  lockServers,
  signLockfile,
  verifyLockfile,
} from './engine.js';
import { type ActionInputs, type InputName, parseActionInputs } from './inputs.js';
import { type ActionRuntime, publish, type Shell, writeSummary } from './publish.js';
import { type ActionCore, createSafeLog, type SafeLog } from './safe-log.js';

export type { ActionCore, ActionRuntime };

/**
 * The action: inputs → engine → outputs, job summary, SARIF and (on pull requests) the sticky review.
 * Every failure ends in core.setFailed with a clear message; the review never fails the run on its own.
 * Returns the outcome for tests and the entry point.
 */
export async function runAction(runtime: ActionRuntime): Promise<Outcome> {
  const shell: Shell = { ...runtime, log: createSafeLog(runtime.core) };
  const { core, env, log } = shell;
  let inputs: ActionInputs;
  try {
    inputs = parseActionInputs((name: InputName) => core.getInput(name));
  } catch (error) {
    core.setOutput('outcome', 'error');
    await writeSummary(env, renderErrorSummary('capseal: invalid input', formatError(error)));
    log.fail(`capseal: ${invalidInputName(error)} (see the log above)`, formatError(error));
    return 'error';
  }
  if (inputs.githubToken) core.setSecret(inputs.githubToken);
  const workspace = env.GITHUB_WORKSPACE || runtime.cwd;
  const lockPath = resolve(workspace, inputs.lockfile);
  const context: EngineContext = { inputs, lockPath, workspace, env, log: createEngineLog(log) };
  try {
    refusePullRequestTarget(env, inputs);
    switch (inputs.mode) {
      case 'check':
        return await runCheckMode(shell, context);
      case 'lock':
        return await runLockMode(shell, context);
      case 'policy':
        return await runPolicyMode(shell, context);
      case 'sign':
        return await runSignMode(shell, context);
      case 'verify':
        return await runVerifyMode(shell, context);
    }
  } catch (error) {
    // The same table as the CLI's exit codes: a signature or pin that does not hold is `fail` (exit 1).
    const outcome = outcomeFor(error);
    core.setOutput('outcome', outcome);
    core.setOutput('lockfile-path', lockPath);
    const message = formatError(error);
    await writeSummary(env, renderErrorSummary(`capseal ${inputs.mode}: ${outcome}`, message));
    log.fail(
      `capseal ${inputs.mode}: ${errorTitle(error)} (details in the log above and the job summary)`,
      message,
    );
    return outcome;
  }
}

/** The failure annotation's words: capseal's own, by error code (the message itself may carry server text). */
function errorTitle(error: unknown): string {
  if (!(error instanceof CapsealError)) return 'internal error (please report this)';
  switch (error.code) {
    case 'USAGE':
      return 'invalid input';
    case 'INVALID_INPUT':
      return 'a file or a read it needs failed';
    case 'SERVER_FAILED':
      return 'a server could not be started or checked';
    case 'SIGNATURE_INVALID':
      return 'a signature does not verify';
    case 'ARTIFACT_MISMATCH':
      return 'a server artifact is not the one the lockfile pins';
    case 'POLICY_DENIED':
      return 'a policy rule denies the locked server';
    case 'INTERNAL':
      return 'internal error (please report this)';
  }
}

/** `invalid input "fail-on"`: the input's name is one of ours; the rest of the message stays in the log. */
function invalidInputName(error: unknown): string {
  const m = error instanceof Error ? /^invalid input "([a-z-]+)"/.exec(error.message) : null;
  return m ? `invalid input "${m[1]}"` : 'invalid input';
}

/**
 * pull_request_target runs with the base repository's secrets and a write token: checking out and running
 * the PR's servers there hands both to the PR. Refused unless the workflow says it does not.
 */
function refusePullRequestTarget(env: NodeJS.ProcessEnv, inputs: ActionInputs): void {
  if (env.GITHUB_EVENT_NAME !== 'pull_request_target' || inputs.allowPullRequestTarget) return;
  throw new CapsealError(
    'USAGE',
    'refusing to run on pull_request_target: that event runs with the base repository’s secrets and a write token, and the servers capseal starts would be the pull request’s code',
    {
      details: [
        'use `on: pull_request` (see docs/action.md), or, only if this workflow never checks out or runs the pull request’s code, set `allow-pull-request-target: true`',
      ],
    },
  );
}

async function runLockMode(shell: Shell, context: EngineContext): Promise<'pass'> {
  const locked = await lockServers(context);
  let signed = '';
  if (context.inputs.sigstore) {
    const signature = await signLockfile(context);
    signed = `\n\nSigned keylessly with Sigstore by ${escapeMarkdown(signature.signer)}: ${codeSpan(signature.signaturePath)}.`;
  }
  const names = locked.servers.slice(0, 100).map((s) => codeSpan(s));
  if (locked.servers.length > 100) names.push(`…and ${locked.servers.length - 100} more`);
  const markdown = `## capseal lock\n\nLocked ${locked.servers.length} server(s) into ${codeSpan(context.inputs.lockfile)}: ${names.join(', ')}.${signed}\n`;
  await publish(shell, context, { markdown, failed: false });
  return 'pass';
}

async function runPolicyMode(shell: Shell, context: EngineContext): Promise<'pass' | 'fail'> {
  const result = await checkPolicy(context);
  shell.log.text(result.text);
  await publish(shell, context, {
    markdown: result.markdown,
    sarif: result.sarif,
    verdicts: result.report.verdicts,
    failed: result.failed,
    report: result.report,
  });
  if (result.failed) {
    shell.log.fail('capseal: policy violations at severity error (see the job summary)');
    return 'fail';
  }
  return 'pass';
}

async function runSignMode(shell: Shell, context: EngineContext): Promise<'pass'> {
  const signature = await signLockfile(context);
  const markdown = `## capseal sign\n\nSigned ${codeSpan(context.inputs.lockfile)} keylessly with Sigstore.\n\n- signer: ${escapeMarkdown(signature.signer)}\n- bundle: ${codeSpan(signature.signaturePath)}\n`;
  await publish(shell, context, { markdown, failed: false });
  return 'pass';
}

async function runVerifyMode(shell: Shell, context: EngineContext): Promise<'pass' | 'fail'> {
  let markdown: string;
  let failed = false;
  const name = codeSpan(context.inputs.lockfile);
  try {
    const verified = await verifyLockfile(context);
    markdown = `## capseal verify\n\n${name}: signature verified (${escapeMarkdown(verified.signature)}).\n`;
  } catch (error) {
    if (outcomeFor(error) !== 'fail') throw error;
    failed = true;
    markdown = renderErrorSummary(
      `capseal verify: ${context.inputs.lockfile}: signature does not verify`,
      formatError(error),
    );
    shell.log.text(formatError(error));
  }
  await publish(shell, context, { markdown, failed });
  if (failed) {
    shell.log.fail('capseal: the signature of the lockfile does not verify (see the job summary)');
    return 'fail';
  }
  return 'pass';
}

/**
 * The engine's log: its messages carry server text (names, stderr, warnings), so all of it is printed inert;
 * its per-server groups get capseal's own titles, the server's name being the group's first line.
 */
function createEngineLog(log: SafeLog): ActionLog {
  let groups = 0;
  return {
    info: (m) => log.text(m),
    warning: (m) => log.warning('capseal: a server check reported a warning (see the log above)', m),
    startGroup: (title) => {
      groups += 1;
      log.startGroup(`capseal: server #${groups}`, title);
    },
    endGroup: () => log.endGroup(),
  };
}
