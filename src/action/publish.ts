import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Drift } from '../diff/index.js';
import type { Verdict } from '../policy/index.js';
import type { Report } from '../report/index.js';
import { renderErrorSummary, renderJson } from '../report/index.js';
import type { EngineContext } from './engine.js';
import type { ActionInputs } from './inputs.js';
import { type ActionOutputs, decideOutputs } from './outcome.js';
import type { ActionCore, SafeLog } from './safe-log.js';

/** What the entry point hands the action: the @actions/core facade, the environment and the working directory. */
export interface ActionRuntime {
  core: ActionCore;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The runtime with its log: everything printed goes through `log` (untrusted text inert, see safe-log). */
export interface Shell extends ActionRuntime {
  log: SafeLog;
}

/**
 * What every mode ends with: the report files, the job summary and the step outputs, from one result.
 */
export async function publish(
  shell: Shell,
  context: EngineContext,
  result: {
    markdown: string;
    sarif?: string | undefined;
    drifts?: readonly Drift[];
    verdicts?: readonly Verdict[];
    failed: boolean;
    report?: Report;
  },
): Promise<void> {
  const { core, env } = shell;
  const written = await writeReports(env, context.inputs, context.workspace, result);
  await writeSummary(env, result.markdown);
  writeOutputs(
    core,
    decideOutputs({
      drifts: result.drifts ?? [],
      verdicts: result.verdicts ?? [],
      failed: result.failed,
      ...written,
      lockfilePath: context.lockPath,
    }),
  );
}

/** The Markdown and JSON reports under RUNNER_TEMP (for later steps) and, when asked, the SARIF file. */
async function writeReports(
  env: NodeJS.ProcessEnv,
  inputs: ActionInputs,
  workspace: string,
  result: { markdown: string; sarif?: string | undefined; report?: Report },
): Promise<{ reportPath: string; sarifPath?: string }> {
  const { markdown, sarif } = result;
  const dir = env.RUNNER_TEMP || join(workspace, '.capseal');
  await mkdir(dir, { recursive: true });
  const reportPath = join(dir, 'capseal-report.md');
  await writeFile(reportPath, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  // The full report (the Markdown may leave findings out to fit GitHub's limits): upload it as an artifact.
  if (result.report !== undefined)
    await writeFile(join(dir, 'capseal-report.json'), renderJson(result.report));
  if (inputs.sarifFile === undefined || sarif === undefined) return { reportPath };
  const sarifPath = resolve(workspace, inputs.sarifFile);
  await mkdir(dirname(sarifPath), { recursive: true });
  await writeFile(sarifPath, sarif.endsWith('\n') ? sarif : `${sarif}\n`);
  return { reportPath, sarifPath };
}

/** GitHub refuses a step summary over 1 MiB; every body capseal writes is far below (capped Markdown). */
export const SUMMARY_LIMIT = 1024 * 1024;

export async function writeSummary(env: NodeJS.ProcessEnv, markdown: string): Promise<void> {
  const path = env.GITHUB_STEP_SUMMARY;
  if (!path) return;
  const capped =
    Buffer.byteLength(markdown) > SUMMARY_LIMIT / 2
      ? renderErrorSummary('capseal: report too large', markdown.slice(0, 20_000))
      : markdown;
  await appendFile(path, capped.endsWith('\n') ? capped : `${capped}\n`);
}

function writeOutputs(core: ActionCore, outputs: ActionOutputs): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}
