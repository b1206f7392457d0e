import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Lockfile,
  parseLockfile,
  sealEntry,
  serializeLockfile,
  type ToolEntry,
} from '../src/lockfile/index.js';
import {
  buildPolicyInput,
  compilePacks,
  evaluateLock,
  extractResult,
  type PolicyInput,
  scanResult,
} from '../src/policy/index.js';
import { readPacks } from '../src/policy/io/read-packs.js';
import { bigServerLock } from './big-server.js';
import type { BenchResult } from './types.js';

// strict + poisoning over a 1,000-tool lockfile, against reading and parsing (schema + digests) that same
// lockfile, in the same run. Each iteration compiles the packs afresh so no text cache survives between runs.

const VERBS = ['get', 'list', 'create', 'update', 'delete', 'search', 'read', 'write', 'send', 'fetch'];
const NOUNS = ['issue', 'file', 'message', 'record', 'user', 'page', 'event', 'invoice', 'branch', 'ticket'];

function makeLock(n: number): Lockfile {
  const tools: Record<string, ToolEntry> = {};
  for (let i = 0; i < n; i++) {
    const verb = VERBS[i % VERBS.length] as string;
    const noun = NOUNS[Math.floor(i / VERBS.length) % NOUNS.length] as string;
    const name = `${verb}_${noun}_${i}`;
    tools[name] = sealEntry('tools', name, {
      description: `${verb[0]?.toUpperCase()}${verb.slice(1)} a ${noun} in the workspace. Returns the ${noun} as JSON, including its id, owner, timestamps and labels. Fails if the ${noun} does not exist or the caller lacks permission (tool ${i}).`,
      inputSchema: {
        type: 'object',
        properties: {
          id: { type: 'string', description: `Identifier of the ${noun} to ${verb} (${i})` },
          workspace: { type: 'string', description: 'Workspace slug, e.g. acme-prod' },
          limit: { type: 'integer', minimum: 1, maximum: 100, description: 'Maximum number of results' },
        },
        required: ['id'],
      },
      annotations: {
        readOnlyHint: verb === 'get' || verb === 'list' || verb === 'search' || verb === 'read',
        destructiveHint: verb === 'delete',
      },
    }) as ToolEntry;
  }
  return bigServerLock(tools, { network: 'allowed', instructions: 'Workspace tools.' });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'capseal-bench-policy-'));
  const path = join(dir, 'mcp-lock.json');
  writeFileSync(path, serializeLockfile(makeLock(1000)));
  // readPacks attaches the Agent Threat Rules to the poisoning pack (read once per process, like the CLI).
  const packs = await readPacks(['strict', 'poisoning'], join(import.meta.dirname, '..'));
  const parseTimes: number[] = [];
  const evalTimes: number[] = [];
  const totalTimes: number[] = [];
  let verdicts = 0;
  for (let i = 0; i < 11; i++) {
    let t = performance.now();
    const lock = parseLockfile(readFileSync(path, 'utf8'), path);
    parseTimes.push(performance.now() - t);
    t = performance.now();
    const policy = compilePacks(packs);
    const compiled = performance.now();
    verdicts = evaluateLock(policy, lock).length;
    const done = performance.now();
    evalTimes.push(done - compiled);
    totalTimes.push(done - t);
  }
  const baseline = median(parseTimes);
  const evalOnly = median(evalTimes);
  const total = median(totalTimes);
  return [
    {
      name: 'strict+poisoning over 1,000 tools (evaluate)',
      unit: 'ms',
      value: evalOnly,
      baselineName: 'read+parse lockfile',
      baseline,
      ratio: evalOnly / baseline,
      target: '≤ 5×',
      note: `${verdicts} verdicts; median of 11, fresh compile each run (cold text cache)`,
    },
    {
      name: 'strict+poisoning over 1,000 tools (compile+evaluate)',
      unit: 'ms',
      value: total,
      baselineName: 'read+parse lockfile',
      baseline,
      ratio: total / baseline,
      note: 'compiling the two packs is a fixed cost, independent of the lockfile size',
    },
    await contentScan(),
  ];
}

// A 4 KB tool result of ordinary text (a search result page), scanned by the shipped poisoning pack's
// result rule, against JSON.parse of the same result (what the proxy does to every line anyway).
async function contentScan(): Promise<BenchResult> {
  const line =
    'Result 12: The quarterly report for the north region shows revenue of 4.2 million, up 3% on the year; ' +
    'see https://intranet.example/reports/q3 for the tables. ';
  let text = '';
  while (text.length < 4096) text += line;
  text = text.slice(0, 4096);
  const raw = JSON.stringify({ content: [{ type: 'text', text }], structuredContent: { hits: 12, page: 1 } });
  {
    const policy = compilePacks(await readPacks(['poisoning'], join(import.meta.dirname, '..')));
    const base = buildPolicyInput({ name: 'big', entry: makeLock(1).servers.big as never });
    const times: number[] = [];
    const parses: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      // A fresh text each time (one character differs) so no cache helps.
      const body = raw.replace('Result 12', `Result ${i}`);
      let t = performance.now();
      const result = JSON.parse(body) as Record<string, unknown>;
      parses.push(performance.now() - t);
      t = performance.now();
      const input: PolicyInput = { ...base, result: extractResult('tools/call', 'search', result) };
      scanResult(policy, input);
      times.push(performance.now() - t);
    }
    const value = median(times.slice(200)) * 1000;
    const baseline = median(parses.slice(200)) * 1000;
    return {
      name: 'content scan of a 4 KB tool result (poisoning pack, p50)',
      unit: 'µs',
      value,
      baselineName: 'JSON.parse of the result',
      baseline,
      ratio: value / baseline,
      target: '≤ 200 µs',
      note: 'extractResult + scanResult (capseal content families + 158 ATR content rules behind the literal prefilter); 1,800 samples after warm-up',
    };
  }
}

if (import.meta.main) {
  for (const r of await run()) {
    process.stdout.write(
      `${r.name}: ${r.value.toFixed(1)} ms vs ${r.baselineName} ${r.baseline.toFixed(1)} ms = ${r.ratio.toFixed(2)}× (${r.note ?? ''})\n`,
    );
  }
}
