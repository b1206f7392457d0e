import { z } from 'zod';
import { CapsealError } from '../shared/index.js';
import { splitCommandLine } from './command-line.js';

/** Every input action.yml declares, in the spelling `with:` uses. */
const INPUT_NAMES = [
  'mode',
  'lockfile',
  'config',
  'server-command',
  'server-url',
  'fail-on',
  'policy',
  'require-signature',
  'public-key',
  'sigstore-identity',
  'sigstore-issuer',
  'sigstore',
  'comment',
  'github-token',
  'sarif-file',
  'base-lockfile',
  'approve-with',
  'allow-pull-request-target',
  'sandbox',
  'network',
] as const;
export type InputName = (typeof INPUT_NAMES)[number];

const MODES = ['check', 'lock', 'policy', 'sign', 'verify'] as const;
const SEVERITIES = ['critical', 'moderate', 'info'] as const;
const COMMENTS = ['review', 'summary', 'none'] as const;
const APPROVALS = ['review', 'signature'] as const;
const SANDBOXES = ['strict', 'auto', 'off'] as const;
const NETWORKS = ['deny', 'allow'] as const;

/** An empty input is "not set": the runner passes defaults, but a bare `node dist/action.js` does not. */
const optionalText = z
  .string()
  .transform((s) => s.trim())
  .transform((s) => (s === '' ? undefined : s));

function choice<T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) {
  return z
    .string()
    .transform((s) => (s.trim() === '' ? fallback : s.trim()))
    .pipe(z.enum(values, { error: (issue) => `must be one of ${values.join(', ')} (got "${issue.input}")` }));
}

/** YAML 1.2 core booleans, as @actions/core's getBooleanInput accepts them; empty means false. */
const bool = z
  .string()
  .transform((s) => s.trim())
  .pipe(
    z.enum(['', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE'], {
      error: (issue) => `must be true or false (got "${issue.input}")`,
    }),
  )
  .transform((s) => s.toLowerCase() === 'true');

const RawInputsSchema = z.strictObject({
  mode: choice(MODES, 'check'),
  lockfile: optionalText.transform((s) => s ?? 'mcp-lock.json'),
  config: optionalText,
  'server-command': optionalText.transform((s, ctx) => {
    if (s === undefined) return undefined;
    const split = splitCommandLine(s);
    if ('error' in split) {
      ctx.addIssue({ code: 'custom', message: split.error });
      return z.NEVER;
    }
    return split.argv;
  }),
  'server-url': optionalText.pipe(
    z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  ),
  'fail-on': choice(SEVERITIES, 'critical'),
  policy: z.string().transform((s) =>
    s
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#')),
  ),
  'require-signature': bool,
  'public-key': optionalText,
  'sigstore-identity': optionalText,
  'sigstore-issuer': optionalText.pipe(z.url({ error: 'must be an issuer URL' }).optional()),
  sigstore: bool,
  comment: choice(COMMENTS, 'review'),
  'github-token': optionalText,
  'sarif-file': optionalText,
  'base-lockfile': optionalText,
  'approve-with': choice(APPROVALS, 'review'),
  'allow-pull-request-target': bool,
  sandbox: choice(SANDBOXES, 'strict'),
  network: choice(NETWORKS, 'deny'),
});

/** Where the servers under test come from: exactly one of the three source inputs. */
export type ServerSource =
  | { kind: 'config'; path: string }
  | { kind: 'command'; argv: string[] }
  | { kind: 'url'; url: string }
  | { kind: 'none' };

/** How a lockfile's signature is checked before it is trusted (`require-signature`, and mode `verify`). */
export type SignatureRequirement =
  | { kind: 'none' }
  | { kind: 'key'; publicKeyPath: string }
  | { kind: 'sigstore'; identity: string; issuer: string };

/** The validated action inputs. Built once by parseActionInputs; nothing else reads INPUT_*. */
export interface ActionInputs {
  mode: (typeof MODES)[number];
  lockfile: string;
  source: ServerSource;
  failOn: (typeof SEVERITIES)[number];
  policy: string[];
  signature: SignatureRequirement;
  /** Sign the lockfile keylessly with Sigstore: always in mode `sign`; after locking in mode `lock`. */
  sigstore: boolean;
  comment: (typeof COMMENTS)[number];
  githubToken: string | undefined;
  sarifFile: string | undefined;
  /** The base branch's lockfile as a file (other layouts); otherwise it is read from git, then the API. */
  baseLockfile: string | undefined;
  /**
   * How drift a pull request makes to the lockfile is approved: `review` (an approving review by a user with
   * write permission, of the lockfile as it is now) or `signature` (the head lockfile signed by the key or
   * Sigstore identity the signature inputs name).
   */
  approveWith:
    | { kind: 'review' }
    | { kind: 'signature'; signer: Exclude<SignatureRequirement, { kind: 'none' }> };
  /** pull_request_target runs are refused unless the workflow says it does not check out the PR's code. */
  allowPullRequestTarget: boolean;
  /** How servers are sandboxed: strict (default) refuses to run any without a working sandbox. */
  sandbox: (typeof SANDBOXES)[number];
  /** Network for sandboxed servers: denied unless `network: allow`. */
  network: 'denied' | 'allowed';
}

/**
 * Read and validate every input once. `read(name)` returns the raw string (core.getInput in the action,
 * a plain object in tests). Every problem is reported, one `input-name: message` detail per issue, as a
 * USAGE CapsealError whose message names the first offending input.
 */
export function parseActionInputs(read: (name: InputName) => string): ActionInputs {
  const raw = Object.fromEntries(INPUT_NAMES.map((name) => [name, read(name)]));
  const parsed = RawInputsSchema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'inputs'}: ${issue.message}`,
    );
    throw invalid(details);
  }
  const v = parsed.data;
  const problems: string[] = [];

  const given = (
    [
      ['config', v.config],
      ['server-command', v['server-command']],
      ['server-url', v['server-url']],
    ] as const
  ).filter(([, value]) => value !== undefined);
  if (given.length > 1) {
    problems.push(
      `${given[0]?.[0]}: set only one of config, server-command, server-url (got ${given.map(([n]) => n).join(' and ')})`,
    );
  }
  let source: ServerSource = { kind: 'none' };
  if (v.config !== undefined) source = { kind: 'config', path: v.config };
  else if (v['server-command'] !== undefined) source = { kind: 'command', argv: v['server-command'] };
  else if (v['server-url'] !== undefined) source = { kind: 'url', url: v['server-url'] };
  if ((v.mode === 'check' || v.mode === 'lock') && source.kind === 'none') {
    problems.push(
      `server-command: mode "${v.mode}" needs a server: set one of config, server-command, server-url`,
    );
  }

  const identity = v['sigstore-identity'];
  const issuer = v['sigstore-issuer'];
  if ((identity === undefined) !== (issuer === undefined)) {
    problems.push(
      identity === undefined
        ? 'sigstore-identity: required together with sigstore-issuer'
        : 'sigstore-issuer: required together with sigstore-identity (e.g. https://token.actions.githubusercontent.com)',
    );
  }
  if (v['public-key'] !== undefined && identity !== undefined) {
    problems.push('public-key: set either public-key or sigstore-identity/sigstore-issuer, not both');
  }
  let signature: SignatureRequirement = { kind: 'none' };
  if (v['public-key'] !== undefined) signature = { kind: 'key', publicKeyPath: v['public-key'] };
  else if (identity !== undefined && issuer !== undefined) signature = { kind: 'sigstore', identity, issuer };
  if ((v['require-signature'] || v.mode === 'verify') && signature.kind === 'none') {
    problems.push(
      `${v.mode === 'verify' ? 'mode' : 'require-signature'}: needs public-key, or sigstore-identity and sigstore-issuer`,
    );
  }
  const approveBySignature = v['approve-with'] === 'signature';
  if (approveBySignature && signature.kind === 'none') {
    problems.push(
      'approve-with: "signature" needs the approvers: public-key, or sigstore-identity and sigstore-issuer',
    );
  }
  if (v.mode !== 'verify' && !v['require-signature'] && !approveBySignature && signature.kind !== 'none') {
    problems.push(
      `require-signature: ${signature.kind === 'key' ? 'public-key' : 'sigstore-identity'} is set but require-signature is not true (set it, or remove the key input)`,
    );
  }
  if (v.sigstore && v.mode !== 'sign' && v.mode !== 'lock') {
    problems.push(`sigstore: only applies to mode "sign" or "lock" (got mode "${v.mode}")`);
  }
  if (problems.length > 0) throw invalid(problems);

  return {
    mode: v.mode,
    lockfile: v.lockfile,
    source,
    failOn: v['fail-on'],
    policy: v.policy,
    signature: v['require-signature'] || v.mode === 'verify' ? signature : { kind: 'none' },
    sigstore: v.sigstore || v.mode === 'sign',
    comment: v.comment,
    githubToken: v['github-token'],
    sarifFile: v['sarif-file'],
    baseLockfile: v['base-lockfile'],
    approveWith:
      approveBySignature && signature.kind !== 'none'
        ? { kind: 'signature', signer: signature }
        : { kind: 'review' },
    allowPullRequestTarget: v['allow-pull-request-target'],
    sandbox: v.sandbox,
    network: v.network === 'allow' ? 'allowed' : 'denied',
  };
}

function invalid(details: string[]): CapsealError {
  const first = details[0] ?? 'inputs: invalid';
  const name = first.slice(0, first.indexOf(':'));
  return new CapsealError('USAGE', `invalid input "${name}": ${first.slice(first.indexOf(':') + 2)}`, {
    details,
  });
}
