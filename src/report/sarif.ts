import type { Drift, Severity } from '../diff/index.js';
import { DRIFT_KINDS } from '../diff/index.js';
import { digestOf, formatPath, locateNearestPath } from '../lockfile/index.js';
import type { RuleSeverity, Verdict } from '../policy/index.js';
import { revealControls } from './escape.js';
import type { Report } from './types.js';

type Level = 'error' | 'warning' | 'note';

const DRIFT_LEVEL: Record<Severity, Level> = { critical: 'error', moderate: 'warning', info: 'note' };
const POLICY_LEVEL: Record<RuleSeverity, Level> = { error: 'error', warning: 'warning', info: 'note' };
// GitHub code scanning ranks security results by this property (0.1–10).
const SECURITY_SEVERITY: Record<Level, string> = { error: '8.0', warning: '5.0', note: '1.0' };

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  defaultConfiguration: { level: Level };
  help: { text: string };
  properties: { tags: string[]; 'security-severity': string; precision: string };
}

function ruleName(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join('');
}

function policyRuleId(v: Verdict): string {
  return `policy/${v.pack}/${v.rule}`;
}

/** The artifact URI of the lockfile as SARIF wants it: forward slashes, relative when it was given so. */
function lockUri(path: string): string {
  const slashed = path.replace(/\\/g, '/');
  // Absolute paths become file: URIs (code scanning resolves relative ones against the repository root).
  if (slashed.startsWith('/')) return `file://${encodeURI(slashed)}`;
  if (/^[A-Za-z]:\//.test(slashed)) return `file:///${encodeURI(slashed)}`;
  return encodeURI(slashed.replace(/^(\.\/)+/, ''));
}

function region(lockText: string, path: string): { startLine: number; startColumn: number } {
  const found = locateNearestPath(lockText, path);
  return found === undefined
    ? { startLine: 1, startColumn: 1 }
    : { startLine: found.line, startColumn: found.column };
}

/**
 * SARIF 2.1.0 for GitHub code scanning: one rule per drift kind (all of them, so rule indexes are stable)
 * and per policy rule that produced a finding; one result per drift or verdict, located at the line of
 * its path in `lockText` (the lockfile at report.lockfile; paths missing from it — e.g. a tool that only
 * exists live — point at the nearest enclosing entry). Pure.
 */
export function renderSarif(
  report: Report,
  lockText: string,
  options: { toolVersion?: string } = {},
): string {
  const rules: SarifRule[] = DRIFT_KINDS.map((k) => ({
    id: k.kind,
    name: ruleName(k.kind),
    shortDescription: { text: `${k.kind} (${k.severity})` },
    fullDescription: { text: k.summary },
    defaultConfiguration: { level: DRIFT_LEVEL[k.severity] },
    help: {
      text: `${k.summary} Severity: ${k.severity}. Review the change, then re-lock (capseal lock) if it is intended.`,
    },
    properties: {
      tags: ['security', 'mcp', 'drift'],
      'security-severity': SECURITY_SEVERITY[DRIFT_LEVEL[k.severity]],
      precision: 'high',
    },
  }));
  const policyRules = new Map<string, Verdict>();
  for (const v of report.verdicts) if (!policyRules.has(policyRuleId(v))) policyRules.set(policyRuleId(v), v);
  for (const [id, v] of [...policyRules].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const level = POLICY_LEVEL[v.severity];
    rules.push({
      id,
      name: ruleName(id),
      shortDescription: { text: `${v.pack}/${v.rule} (${v.severity})` },
      fullDescription: { text: `Policy rule ${v.rule} of pack ${v.pack}.` },
      defaultConfiguration: { level },
      help: {
        text: `Policy rule ${v.pack}/${v.rule}. References: ${(v.references ?? []).join(', ') || 'none'}.`,
      },
      properties: {
        tags: ['security', 'mcp', 'policy'],
        'security-severity': SECURITY_SEVERITY[level],
        precision: 'medium',
      },
    });
  }
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const uri = lockUri(report.lockfile);
  const location = (path: string) => ({
    physicalLocation: { artifactLocation: { uri }, region: region(lockText, path) },
    logicalLocations: [{ fullyQualifiedName: revealControls(path), kind: 'member' }],
  });
  const fingerprint = (value: unknown) => ({ 'capseal/v1': digestOf(value).slice(7, 39) });

  const driftResult = (d: Drift) => ({
    ruleId: d.kind,
    ruleIndex: index.get(d.kind) ?? 0,
    level: DRIFT_LEVEL[d.severity],
    message: {
      text: revealControls(
        [d.message, ...(d.details ?? []).filter((x) => !d.message.includes(x))].join('\n'),
      ),
    },
    locations: [location(d.path)],
    partialFingerprints: fingerprint({ kind: d.kind, path: d.path, after: d.after ?? null }),
    properties: { severity: d.severity, server: revealControls(d.server) },
  });
  const verdictResult = (v: Verdict) => {
    const path = v.path ?? formatPath(['servers', v.server]);
    const failed = v.evaluationError ? ' (rule failed to evaluate: counted as a violation)' : '';
    return {
      ruleId: policyRuleId(v),
      ruleIndex: index.get(policyRuleId(v)) ?? 0,
      level: POLICY_LEVEL[v.severity],
      message: { text: revealControls(`${v.message}${failed}`) },
      locations: [location(path)],
      partialFingerprints: fingerprint({ rule: policyRuleId(v), path, subject: v.subject ?? null }),
      properties: {
        severity: v.severity,
        server: revealControls(v.server),
        ...(v.subject === undefined ? {} : { subject: revealControls(v.subject) }),
      },
    };
  };

  const driver: Record<string, unknown> = { name: 'capseal', rules };
  if (options.toolVersion !== undefined) driver.semanticVersion = options.toolVersion;
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver },
        automationDetails: { id: `capseal/${report.kind}/` },
        columnKind: 'utf16CodeUnits',
        results: [...report.drifts.map(driftResult), ...report.verdicts.map(verdictResult)],
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
