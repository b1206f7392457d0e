#!/usr/bin/env python3
"""Builds fixtures/poisoning/heldout-*.json from local git mirrors of three public repositories.

Run once by hand (needs the mirrors; the output is committed, tests never reach the network):
  python3 scripts/build-heldout.py <servers-git-dir> <bipia-git-dir> <llm-guard-git-dir>
Construction is mechanical and was fixed before the first measurement; nothing here looks at capseal's verdicts.
"""
import ast, json, re, subprocess, sys

SERVERS, BIPIA, GUARD = sys.argv[1:4]

def git(repo, *args):
    return subprocess.run(['git', '--git-dir', repo, *args], check=True, capture_output=True, text=True).stdout

def head(repo):
    return git(repo, 'rev-parse', 'HEAD').strip()

S_COMMIT, B_COMMIT, G_COMMIT = head(SERVERS), head(BIPIA), head(GUARD)

# --- benign tool definitions: tool descriptions of the reference servers (modelcontextprotocol/servers) ---
STR = r'(?:"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`[^`]*`)'
TS_DESC = re.compile(r'description:\s*(' + STR + r'(?:\s*\+\s*' + STR + r')*)')
PY_DESC = re.compile(r'description\s*=\s*((?:\s*(?:"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|f?"[^"\n]*"))+)')

def ts_value(expr):
    parts = re.findall(STR, expr)
    out = ''
    for p in parts:
        body = p[1:-1]
        if p[0] != '`':
            body = body.encode('utf-8').decode('unicode_escape', errors='ignore') if '\\' in body else body
        out += body
    return re.sub(r'\$\{[^}]*\}', 'X', out).strip()

files = [f for f in git(SERVERS, 'ls-tree', '-r', '--name-only', 'HEAD').splitlines()
         if f.startswith('src/') and ('/test' not in f and '__tests__' not in f) and f.endswith(('.ts', '.py'))]
benign_defs, seen = [], set()
for f in sorted(files):
    text = git(SERVERS, 'show', f'HEAD:{f}')
    if f.endswith('.ts'):
        found = [ts_value(m.group(1)) for m in TS_DESC.finditer(text)]
    else:
        found = []
        for m in PY_DESC.finditer(text):
            try:
                found.append(str(ast.literal_eval('(' + m.group(1).replace('f"', '"') + ')')).strip())
            except Exception:
                pass
    for d in found:
        # descriptions of whole tools, not of one schema property: 40+ characters
        if len(d) < 40 or d in seen:
            continue
        seen.add(d)
        name = re.sub(r'\W+', '_', f.split('/')[1]) + f'_{len(benign_defs)}'
        benign_defs.append({'id': f'servers/{f}#{len(benign_defs)}', 'label': 'benign',
                            'source': f'https://github.com/modelcontextprotocol/servers/blob/{S_COMMIT}/{f}',
                            'tool': {'name': name, 'description': d, 'inputSchema': {'type': 'object', 'properties': {}}}})

# --- attack texts: BIPIA test attacks (text + code), llm-guard prompt-injection test prompts ---
attacks = []
for fname in ('benchmark/text_attack_test.json', 'benchmark/code_attack_test.json'):
    for cat, items in json.loads(git(BIPIA, 'show', f'HEAD:{fname}')).items():
        for i, a in enumerate(items):
            attacks.append({'id': f'bipia/{fname}/{cat}/{i}', 'text': a, 'family': f'BIPIA: {cat}',
                            'source': f'https://github.com/microsoft/BIPIA/blob/{B_COMMIT}/{fname}', 'license': 'MIT'})
guard_src = git(GUARD, 'show', 'HEAD:tests/input_scanners/test_prompt_injection.py')
tree = ast.parse(guard_src)
guard_good, guard_bad = [], []
for node in ast.walk(tree):
    if isinstance(node, ast.Tuple) and len(node.elts) == 4 and isinstance(node.elts[2], ast.Constant) and isinstance(node.elts[2].value, bool):
        try:
            prompt = ast.literal_eval(node.elts[1])
        except Exception:
            continue
        (guard_good if node.elts[2].value else guard_bad).append(prompt)
GSRC = f'https://github.com/protectai/llm-guard/blob/{G_COMMIT}/tests/input_scanners/test_prompt_injection.py'
for i, p in enumerate(guard_bad):
    attacks.append({'id': f'llm-guard/injection/{i}', 'text': p, 'family': 'llm-guard prompt injection',
                    'source': GSRC, 'license': 'MIT'})

# --- malicious tool definitions: a real description with one attack appended (the tool-poisoning shape) ---
mal_defs = []
for i, a in enumerate(attacks):
    base = benign_defs[i % len(benign_defs)]
    mal_defs.append({'id': a['id'], 'label': 'malicious', 'family': a['family'], 'source': a['source'],
                     'carrier': base['source'],
                     'tool': {**base['tool'], 'description': base['tool']['description'] + '\n\n' + a['text']}})

# --- tool results: BIPIA email and code contexts (benign), the same with one attack inserted (malicious) ---
contexts = []
for fname, key in (('benchmark/email/test.jsonl', 'context'), ('benchmark/code/test.jsonl', 'context')):
    for i, line in enumerate(git(BIPIA, 'show', f'HEAD:{fname}').splitlines()):
        if not line.strip():
            continue
        row = json.loads(line)
        ctx = row.get(key)
        if isinstance(ctx, list):
            ctx = '\n'.join(ctx)
        if isinstance(ctx, str) and len(ctx) >= 40:
            contexts.append({'id': f'bipia/{fname}/{i}', 'text': ctx,
                             'source': f'https://github.com/microsoft/BIPIA/blob/{B_COMMIT}/{fname}'})
for i, p in enumerate(guard_good):
    contexts.append({'id': f'llm-guard/benign/{i}', 'text': p, 'source': GSRC})

def wrap(t):
    return {'content': [{'type': 'text', 'text': t}]}

benign_res = [{'id': c['id'], 'label': 'benign', 'source': c['source'], 'result': wrap(c['text'])} for c in contexts]
mal_res = []
for i, a in enumerate(attacks):
    c = contexts[i % len(contexts)]
    # BIPIA inserts the attack at the start, middle or end of the context; rotate the three positions
    pos = i % 3
    t = c['text']
    if pos == 0:
        text = a['text'] + '\n' + t
    elif pos == 1:
        cut = t.rfind('\n', 0, len(t) // 2)
        cut = cut if cut > 0 else len(t) // 2
        text = t[:cut] + '\n' + a['text'] + '\n' + t[cut:]
    else:
        text = t + '\n' + a['text']
    mal_res.append({'id': a['id'], 'label': 'malicious', 'family': a['family'], 'source': a['source'],
                    'carrier': c['source'], 'result': wrap(text)})

SOURCES = [
    {'repo': 'modelcontextprotocol/servers', 'commit': S_COMMIT, 'paths': 'src/**/*.ts, src/**/*.py (tool descriptions)',
     'license': 'MIT (older contributions) / Apache-2.0 (new contributions), see LICENSE at that commit', 'used_as': 'benign tool definitions; carriers of the malicious ones'},
    {'repo': 'microsoft/BIPIA', 'commit': B_COMMIT, 'paths': 'benchmark/text_attack_test.json, benchmark/code_attack_test.json, benchmark/email/test.jsonl, benchmark/code/test.jsonl',
     'license': 'MIT, Copyright (c) Microsoft Corporation (the table/qa/abstract tasks, under other licences, are not used)', 'used_as': 'attack texts; benign tool results (email and code contexts)'},
    {'repo': 'protectai/llm-guard', 'commit': G_COMMIT, 'paths': 'tests/input_scanners/test_prompt_injection.py',
     'license': 'MIT, Copyright (c) Protect AI', 'used_as': 'attack texts (expected_valid False); benign tool results (expected_valid True)'},
]
NOTE = ('Held-out: built mechanically by scripts/build-heldout.py from sources neither detector (capseal functions, '
        'Agent Threat Rules) was written against; nobody tunes rules on it. Short excerpts, kept with attribution '
        'under their licences.')
for path, desc, mal, ben in (
    ('fixtures/poisoning/heldout-tool-definitions.json', 'Held-out tool definitions: benign = real tool descriptions of the MCP reference servers; malicious = one of them with a BIPIA or llm-guard attack text appended.', mal_defs, benign_defs),
    ('fixtures/poisoning/heldout-tool-results.json', 'Held-out tool results: benign = BIPIA email/code contexts and llm-guard benign prompts as tools/call results; malicious = one of them with a BIPIA or llm-guard attack inserted (start, middle or end, rotating).', mal_res, benign_res),
):
    with open(path, 'w') as fh:
        json.dump({'description': desc, 'note': NOTE, 'sources': SOURCES, 'malicious': mal, 'benign': ben}, fh, indent=1, ensure_ascii=False)
        fh.write('\n')
    print(path, len(mal), 'malicious', len(ben), 'benign')
