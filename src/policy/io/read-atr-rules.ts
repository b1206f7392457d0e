import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CapsealError } from '../../shared/index.js';
import { type AtrRuleSet, type AtrRuleSource, type AtrTarget, compileAtrRules } from '../functions/atr.js';
import { CONTENT_RULE_FILES } from './atr-content-files.js';

/**
 * The ATR rules capseal runs, read from the pinned `agent-threat-rules` package (see package.json; the
 * version is checked below). Which rules run where is decided here, one line per rule:
 *
 * - `definition`: over tool, prompt, resource and template texts and server instructions (`policy check`,
 *   `check --policy`, the Action) through the atr*() CEL functions of the poisoning pack;
 * - `content`: also over what servers return at run time (tool results, prompts/get messages,
 *   resources/read contents) through `scanContent` / the `result` scope; the 153 content-only rules are
 *   listed in atr-content-files.ts.
 *
 * Chosen for the job (tool-definition and tool-output injection, exfiltration, leaks, smuggling), for zero
 * false alarms on fixtures/poisoning and for cost: rules costing more than ~4 µs per 100 characters
 * (ATR-2026-00105, -00011, -00004, -00715, -01302) are left out so a 1,000-tool lockfile stays within
 * budget, and ATR-2026-00103 and -00106 because their only pattern backtracks polynomially (`.*….*`). Each
 * file is named by a literal `new URL(…, import.meta.url)` so the bundler (ncc) copies it next to
 * dist/cli/index.js; from src/ the URL points into node_modules.
 */

export const ATR_VERSION = '4.0.0';

const D: readonly AtrTarget[] = ['definition'];
const DC: readonly AtrTarget[] = ['definition', 'content'];

const FILES: [URL, readonly AtrTarget[]][] = [
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/tool-poisoning/ATR-2026-00100-consent-bypass-instruction.yaml',
      import.meta.url,
    ),
    D,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/tool-poisoning/ATR-2026-00101-trust-escalation-override.yaml',
      import.meta.url,
    ),
    D,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/context-exfiltration/ATR-2026-00102-disguised-analytics-exfiltration.yaml',
      import.meta.url,
    ),
    D,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/prompt-injection/ATR-2026-00104-persona-hijacking.yaml',
      import.meta.url,
    ),
    D,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/privilege-escalation/ATR-2026-00107-delayed-execution-bypass.yaml',
      import.meta.url,
    ),
    D,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/context-exfiltration/ATR-2026-00020-system-prompt-leak.yaml',
      import.meta.url,
    ),
    D,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/agent-manipulation/ATR-2026-00030-cross-agent-attack.yaml',
      import.meta.url,
    ),
    D,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/prompt-injection/ATR-2026-00086-visual-spoofing.yaml',
      import.meta.url,
    ),
    D,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/prompt-injection/ATR-2026-00097-cjk-injection-patterns.yaml',
      import.meta.url,
    ),
    D,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/skill-compromise/ATR-2026-00120-skill-instruction-injection.yaml',
      import.meta.url,
    ),
    D,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/skill-compromise/ATR-2026-00129-unicode-smuggling.yaml',
      import.meta.url,
    ),
    DC,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/prompt-injection/ATR-2026-00148-language-switch-injection.yaml',
      import.meta.url,
    ),
    D,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/skill-compromise/ATR-2026-00217-credential-harvesting.yaml',
      import.meta.url,
    ),
    D,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/tool-poisoning/ATR-2026-00259-ansi-escape-injection.yaml',
      import.meta.url,
    ),
    DC,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/prompt-injection/ATR-2026-00395-llm-special-token-boundary-injection.yaml',
      import.meta.url,
    ),
    DC,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/context-exfiltration/ATR-2026-00423-nl-sensitive-file-disclosure.yaml',
      import.meta.url,
    ),
    D,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/agent-manipulation/ATR-2026-00430-nl-trust-escalation-impersonation.yaml',
      import.meta.url,
    ),
    D,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/prompt-injection/ATR-2026-00584-indirect-injection-via-tool-response.yaml',
      import.meta.url,
    ),
    DC,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/tool-poisoning/ATR-2026-00714-tool-camouflage-forced-tool-call.yaml',
      import.meta.url,
    ),
    D,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/tool-poisoning/ATR-2026-01301-tool-description-exclusive-tool-override.yaml',
      import.meta.url,
    ),
    D,
  ],
  [
    new URL(
      '../../../node_modules/agent-threat-rules/rules/context-exfiltration/ATR-2026-01463-imend-imsystem-prompt-injection-format.yaml',
      import.meta.url,
    ),
    DC,
  ],
];

let cached: AtrRuleSet | undefined;

/**
 * Read, validate and compile the selected ATR rules (once per process). A missing or changed rule file is
 * an INTERNAL error: the bundle or the pinned package is broken, and running without the rules would fail
 * open.
 */
export function readAtrRules(): AtrRuleSet {
  if (cached !== undefined) return cached;
  const sources: AtrRuleSource[] = [];
  const problems: string[] = [];
  const C: readonly AtrTarget[] = ['content'];
  for (const [url, targets] of [...FILES, ...CONTENT_RULE_FILES.map((u) => [u, C] as const)]) {
    // From source a URL; in the bundle the asset relocator may have turned it into a plain path string.
    const where: URL | string = url;
    const path = typeof where === 'string' ? where : where.pathname;
    const file = path.split('/').slice(-2).join('/');
    try {
      sources.push({ file, targets, data: parse(readFileSync(where, 'utf8')) });
    } catch (error) {
      problems.push(`${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  const { set, problems: compileProblems } = compileAtrRules(sources, ATR_VERSION);
  problems.push(...compileProblems);
  if (problems.length > 0)
    throw new CapsealError('INTERNAL', 'cannot load the Agent Threat Rules', { details: problems });
  cached = set;
  return set;
}
