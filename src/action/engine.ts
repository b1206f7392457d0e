import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Drift, Severity } from '../diff/index.js';
import {
  prepareCheck,
  preparePreflight,
  resolveServerSpecs,
  runCheck,
  runLock,
  runPolicyCheck,
  type ServerSourceInput,
} from '../engine/index.js';
import { locatePath } from '../lockfile/index.js';
import {
  buildReport,
  REPORT_MARKER,
  type Report,
  renderMarkdown,
  renderSarif,
  renderText,
} from '../report/index.js';
import type { Logger } from '../shared/index.js';
import { CapsealError, errorMessage } from '../shared/index.js';
import { loadVerifiedLock, type VerifyLockOptions } from '../sign/io/index.js';
import { parseLimitsEnv } from '../snapshot/index.js';
import type { SnapshotOptions } from '../snapshot/io/index.js';
import type { ActionInputs } from './inputs.js';

/**
 * The one place the action calls capseal's engine (snapshot, lock, check, policy, sign, report). Nothing
 * here is reimplemented: each function adapts an engine call to what the action shell needs.
 */

/** Where the action sends progress: one collapsible group per server. */
export interface ActionLog {
  info(message: string): void;
  warning(message: string): void;
  startGroup(name: string): void;
  endGroup(): void;
}

export interface EngineContext {
  inputs: ActionInputs;
  /** Absolute lockfile path. */
  lockPath: string;
  /** Relative server paths (config, server-command) resolve against this (GITHUB_WORKSPACE). */
  workspace: string;
  env: NodeJS.ProcessEnv;
  log: ActionLog;
}

export interface CheckRun {
  report: Report;
  lockText: string;
  /** The gate says no: a drift at or above fail-on, or a policy violation at severity error. */
  failed: boolean;
}

/**
 * `capseal check` for the action: policy packs compiled and the lockfile loaded (and its signature verified
 * when required) before any server starts; then runCheck snapshots the live servers, one log group each.
 * Without a server source, every locked server is relaunched as recorded.
 */
export async function checkServers(context: EngineContext): Promise<CheckRun> {
  const { inputs } = context;
  const prepared = await prepareCheck({
    verify: verifyOptions(context),
    policies: inputs.policy,
    cwd: context.workspace,
    env: context.env,
    ...(inputs.source.kind === 'none' ? {} : { source: sourceInput(context) }),
  });
  const report = await inServerGroups(context.log, (logger) =>
    runCheck(prepared, {
      lockPath: displayPath(context),
      failOn: inputs.failOn,
      snapshot: snapshotOptions(context),
      logger,
    }),
  );
  return { report, lockText: prepared.lockText, failed: report.outcome === 'fail' };
}

/**
 * The check's Markdown (review body and job summary), plain text (log) and SARIF. Capability changes the
 * pull request makes to the lockfile are appended to the Markdown and included in the SARIF, whose
 * locations point at lines of the lockfile.
 */
export function renderCheckReports(
  run: CheckRun,
  pr: { drifts: readonly Drift[]; repoPath: string } | undefined,
  failOn: Severity,
): { markdown: string; text: string; sarif: string } {
  let markdown = renderMarkdown(run.report);
  let combined = run.report;
  if (pr !== undefined && pr.drifts.length > 0) {
    // What the PR itself changes first (that is what its reviewer decides on), then the live check.
    const live = markdown.replace(`${REPORT_MARKER}\n`, '');
    markdown = `${REPORT_MARKER}\n${renderPullRequestChanges(pr.drifts, pr.repoPath, failOn)}\n${live}`;
    combined = buildReport({
      kind: 'check',
      lockfile: run.report.lockfile,
      servers: run.report.servers,
      drifts: [...run.report.drifts, ...pr.drifts],
      verdicts: run.report.verdicts,
      failOn,
    });
  }
  return {
    markdown,
    text: renderText(combined, { color: false }),
    sarif: renderSarif(combined, run.lockText),
  };
}

export async function lockServers(context: EngineContext): Promise<{ lockText: string; servers: string[] }> {
  // cwd = the workspace: relative paths in server-command and config resolve against the repository.
  const specs = await resolveServerSpecs(sourceInput(context), { env: context.env, cwd: context.workspace });
  const { lock, text } = await inServerGroups(context.log, (logger) =>
    runLock(specs, { ...snapshotOptions(context), logger }),
  );
  await writeText(context.lockPath, text, 'lockfile');
  return { lockText: text, servers: Object.keys(lock.servers) };
}

/**
 * `capseal policy check` for the action: the packs over the lockfile (verified first when a signature is
 * required). The gate says no on any verdict at severity error.
 */
export async function checkPolicy(
  context: EngineContext,
): Promise<{ report: Report; markdown: string; text: string; sarif: string; failed: boolean }> {
  if (context.inputs.policy.length === 0) {
    throw new CapsealError('USAGE', 'invalid input "policy": mode "policy" needs at least one pack', {
      details: [
        'policy: one per line: baseline, strict, poisoning, read-only, or a path to a pack YAML file',
      ],
    });
  }
  // One read: the bytes verified here are the bytes evaluated (a file swapped afterwards is not seen).
  const { lock, lockText, policy, signature } = await preparePreflight({
    verify: verifyOptions(context),
    policies: context.inputs.policy,
    cwd: context.workspace,
  });
  context.log.info(`capseal: lockfile ${displayPath(context)} loaded (signature: ${signature})`);
  if (policy === undefined) throw new CapsealError('INTERNAL', 'policy mode: no policy compiled');
  const report = runPolicyCheck({ lockPath: displayPath(context), lock, policy });
  return {
    report,
    markdown: renderMarkdown(report),
    text: renderText(report, { color: false }),
    sarif: renderSarif(report, lockText),
    failed: report.outcome === 'fail',
  };
}

/** Keyless Sigstore signature of the lockfile, written next to it as `<lockfile>.sigstore.json`. */
export async function signLockfile(
  context: EngineContext,
): Promise<{ signaturePath: string; signer: string }> {
  // Loaded on use: sigstore's signing client is large and only mode sign / lock + sigstore need it.
  const { signLockfileSigstore } = await import('../sign/io/sign-lockfile.js');
  const result = await signLockfileSigstore(context.lockPath, { env: context.env });
  return { signaturePath: result.signaturePath, signer: result.signer };
}

/** The lockfile, verified against the key or Sigstore identity the inputs name. */
export async function verifyLockfile(
  context: EngineContext,
): Promise<{ signature: string; lockText: string }> {
  const verified = await loadVerifiedLock(verifyOptions(context));
  return { signature: verified.signature, lockText: verified.text };
}

/** Markdown for the capability changes a PR makes to the lockfile (renderMarkdown of a diff report). */
function renderPullRequestChanges(drifts: readonly Drift[], repoPath: string, failOn: Severity): string {
  const report = buildReport({
    kind: 'diff',
    base: `${repoPath} (base branch)`,
    lockfile: `${repoPath} (this pull request)`,
    servers: [...new Set(drifts.map((d) => d.server))],
    drifts,
    failOn,
  });
  return renderMarkdown(report)
    .replace(`${REPORT_MARKER}\n`, '')
    .replace(/^## capseal diff: /, '## capseal: capability changes in this pull request: ');
}

/** The 1-based line of a drift path in lockfile text, when the path exists there. */
export function locateLine(lockText: string, path: string): number | undefined {
  return locatePath(lockText, path)?.line;
}

/** The lockfile as reports and SARIF name it: relative to the repository (posix) when it lies inside. */
function displayPath(context: EngineContext): string {
  const rel = relative(context.workspace, context.lockPath);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return context.lockPath;
  return rel.split(sep).join('/');
}

/** The server source the inputs name (none: relaunch every locked server as recorded). */
function sourceInput(context: EngineContext): ServerSourceInput {
  const { source } = context.inputs;
  return source.kind === 'command'
    ? { command: source.argv }
    : source.kind === 'url'
      ? { url: source.url }
      : source.kind === 'config'
        ? { config: source.path }
        : {};
}

function snapshotOptions(context: EngineContext): SnapshotOptions {
  // parentEnv is used for PATH lookup only; servers get the sandbox's allow-listed environment.
  return {
    limits: parseLimitsEnv(context.env),
    parentEnv: context.env,
    sandbox: { mode: context.inputs.sandbox, network: context.inputs.network },
    // On GitHub's Ubuntu 24.04 runners AppArmor blocks bwrap's user namespaces; sudo -n may lift it for bwrap.
    setupApparmor: true,
  };
}

function verifyOptions(context: EngineContext): VerifyLockOptions {
  const { signature } = context.inputs;
  switch (signature.kind) {
    case 'none':
      return { path: context.lockPath };
    case 'key':
      return {
        path: context.lockPath,
        requireSignature: true,
        publicKeyPath: resolve(context.workspace, signature.publicKeyPath),
      };
    case 'sigstore':
      return {
        path: context.lockPath,
        requireSignature: true,
        sigstore: { identity: signature.identity, issuer: signature.issuer },
      };
  }
}

/**
 * Run the engine with a logger that opens one collapsible log group per server: snapshotServers calls
 * `serverStart(name)` before it starts each server, and everything until the next one is that server's output.
 */
async function inServerGroups<T>(log: ActionLog, run: (logger: Logger) => Promise<T>): Promise<T> {
  let open = false;
  const close = () => {
    if (open) log.endGroup();
    open = false;
  };
  const logger: Logger = {
    serverStart(name) {
      close();
      log.startGroup(`capseal: server ${name}`);
      open = true;
    },
    info: (message) => log.info(message),
    warn: (message) => log.warning(message),
    debug: () => {},
  };
  try {
    return await run(logger);
  } finally {
    close();
  }
}

async function writeText(path: string, text: string, what: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `cannot write the ${what} ${path}`, {
      details: [errorMessage(error)],
    });
  }
}
