import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BLOCKED_CODE, LIMIT_CODE } from '../../../src/proxy/index.js';
import {
  connectThroughProxy,
  fixture,
  lockServer,
  type ProxiedClient,
  RawProxy,
  rejection,
} from '../helpers.js';

// Protocol hygiene against a server and a host that send what SDKs would not: real `capseal proxy`
// processes, the raw fixture server proxy-hostile.mjs, an SDK v1 Client or a raw line writer.
const node = process.execPath;
const SERVER = [node, fixture('proxy-hostile.mjs')];
let lockPath = '';
const open: ProxiedClient[] = [];
const raws: RawProxy[] = [];

beforeAll(async () => {
  ({ lockPath } = await lockServer('hostile', SERVER));
}, 60_000);

afterAll(async () => {
  for (const r of raws) r.close();
  await Promise.all(open.map((c) => c.client.close()));
});

async function client(extra: string[] = []) {
  const c = await connectThroughProxy(['--lock', lockPath, ...extra], SERVER);
  open.push(c);
  return c.client;
}

const textOf = (result: unknown) =>
  JSON.parse(((result as { content: { text: string }[] }).content[0] as { text: string }).text) as unknown;
const probe = (c: Awaited<ReturnType<typeof client>>, action: string, depth?: number) =>
  c.callTool({ name: 'probe', arguments: { action, ...(depth ? { depth } : {}) } });

describe('the proxy refuses methods the protocol version does not define', () => {
  it.each(['vendor/exfiltrate', 'Tools/Call', 'tools/List'])('from the host: %s', async (method) => {
    const c = await client();
    const e = await rejection(c.request({ method, params: {} }, z.object({}).passthrough()));
    expect(e.code).toBe(BLOCKED_CODE);
    expect(e.data).toMatchObject({ kind: 'method-not-allowed', method });
    expect(textOf(await c.callTool({ name: 'seen', arguments: {} }))).not.toContain(method);
  });

  it.each([
    ['vendor-request', 'vendor/exfiltrate'],
    ['miscased-request', 'Sampling/createMessage'],
  ])('from the server (%s): answered to the server, never shown to the host', async (action, method) => {
    const c = await client();
    const answer = textOf(await probe(c, action)) as {
      error: { code: number; data: { kind: string; method: string } };
    };
    expect(answer.error).toMatchObject({ code: BLOCKED_CODE, data: { kind: 'method-not-allowed', method } });
  });

  it('drops a vendor notification from the server', async () => {
    const c = await client();
    let got = false;
    c.fallbackNotificationHandler = async () => {
      got = true;
    };
    await probe(c, 'vendor-notification');
    await c.ping();
    expect(got).toBe(false);
  });

  it('authorizes completion/complete like the prompt or template its ref names', async () => {
    const c = await client();
    const ok = await c.complete({
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'who', value: 'a' },
    });
    expect(ok.completion.values).toEqual(['x']);
    const t = await c.complete({
      ref: { type: 'ref/resource', uri: 'file:///data/{name}' },
      argument: { name: 'name', value: 'a' },
    });
    expect(t.completion.values).toEqual(['x']);
    for (const ref of [
      { type: 'ref/prompt' as const, name: 'exec_shell' },
      { type: 'ref/resource' as const, uri: 'file:///etc/{name}' },
    ]) {
      const e = await rejection(c.complete({ ref, argument: { name: 'who', value: 'a' } }));
      expect(e).toMatchObject({ code: BLOCKED_CODE, data: { kind: 'not-locked' } });
    }
  });
});

describe('the proxy validates arguments against the locked entry', () => {
  it('forwards tools/call arguments the locked inputSchema accepts and blocks the rest', async () => {
    const c = await client();
    expect(textOf(await c.callTool({ name: 'echo', arguments: { text: 'ok' } }))).toEqual({ text: 'ok' });
    for (const args of [{ text: 5 }, { text: 'ok', command: 'id' }, {}, { text: 'x'.repeat(101) }]) {
      const e = await rejection(c.callTool({ name: 'echo', arguments: args }));
      expect(e, JSON.stringify(args)).toMatchObject({
        code: BLOCKED_CODE,
        data: { kind: 'invalid-arguments' },
      });
      expect((e.data as { errors: unknown[] }).errors.length).toBeGreaterThan(0);
    }
    const seen = textOf(await c.callTool({ name: 'seen', arguments: {} })) as string[];
    expect(seen.filter((m) => m === 'tools/call')).toHaveLength(2); // echo ok, seen: nothing refused got through
  });

  it('forwards prompts/get arguments the locked prompt declares and blocks the rest', async () => {
    const c = await client();
    await c.getPrompt({ name: 'greet', arguments: { who: 'a' } });
    for (const args of [{}, { who: 'a', cmd: 'rm -rf /' }]) {
      const e = await rejection(c.getPrompt({ name: 'greet', arguments: args as Record<string, string> }));
      expect(e, JSON.stringify(args)).toMatchObject({
        code: BLOCKED_CODE,
        data: { kind: 'invalid-arguments' },
      });
    }
  });
});

describe('the proxy authorizes the resource URI it forwards, exactly', () => {
  it('forwards a URI matching the locked template verbatim, and refuses the encoded family', async () => {
    const c = await client();
    for (const uri of ['file:///data/a.txt', 'file:///data/caf%C3%A9.txt']) {
      const { contents } = await c.readResource({ uri });
      expect(contents[0]?.uri).toBe(uri);
    }
    const refused = [
      'file:///data/..%2Fetc%2Fpasswd',
      'file:///data/%2e%2e/etc/passwd',
      'file:///data/%252e%252e%252fetc',
      'file:///data/a%3F.txt',
      'file:///data/a%23.txt',
      'file:///data/a%5C..%5Cx',
      'file:///data/a%00.txt',
      'file:///data/%C0%AE%C0%AE/x',
      'file:///data/\\..\\x',
      'file://evil@/data/a.txt',
      'file:///etc/passwd',
      'file:///data/sub/a.txt',
    ];
    for (const uri of refused) {
      const e = await rejection(c.readResource({ uri }));
      expect(e.code, uri).toBe(BLOCKED_CODE);
      expect(['invalid-uri', 'not-locked'], uri).toContain((e.data as { kind: string }).kind);
    }
  });
});

describe('a policy pack can allow a named extension method', () => {
  it('forwards exactly the methods its call-time rule lists, and the rule still decides each call', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'capseal-ext-'));
    const pack = join(dir, 'acme.yaml');
    await writeFile(
      pack,
      [
        'name: acme',
        'description: allows the acme/search extension',
        'rules:',
        '  - id: acme-search',
        '    description: acme/search, but never for secrets',
        '    severity: error',
        '    methods: [acme/search]',
        '    deny: call.method == "acme/search" && call.arguments.?q.orValue("") == "secret"',
        '    message: no secrets',
        '',
      ].join('\n'),
    );
    const c = await client(['--policy', pack]);
    const any = z.object({}).passthrough();
    expect(await c.request({ method: 'acme/search', params: { q: 'x' } }, any)).toEqual({
      reached: 'acme/search',
    });
    const denied = await rejection(c.request({ method: 'acme/search', params: { q: 'secret' } }, any));
    expect(denied).toMatchObject({ code: BLOCKED_CODE, data: { kind: 'policy' } });
    for (const method of ['acme/other', 'Acme/Search']) {
      const e = await rejection(c.request({ method, params: {} }, any));
      expect(e).toMatchObject({ code: BLOCKED_CODE, data: { kind: 'method-not-allowed' } });
    }
  });
});

describe('the proxy survives deep nesting in both directions', () => {
  it.each([5_000, 100_000])('a %i-level result fails that call only', async (depth) => {
    const c = await client();
    const e = await rejection(probe(c, 'deep-result', depth));
    expect(e.code).toBe(LIMIT_CODE);
    expect(textOf(await c.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toEqual({
      text: 'still here',
    });
  });

  it.each([5_000, 100_000])('a %i-level server request is answered to the server', async (depth) => {
    const c = await client();
    const answer = textOf(await probe(c, 'deep-request', depth)) as {
      error: { code: number; data: { limit: string } };
    };
    expect(answer.error).toMatchObject({ code: LIMIT_CODE, data: { limit: 'maxDepth' } });
  });

  it.each([5_000, 100_000])('a %i-level host request is answered, and the session goes on', async (depth) => {
    const raw = new RawProxy(['--lock', lockPath], SERVER);
    raws.push(raw);
    await raw.initialize();
    raw.sendRaw(
      `{"jsonrpc":"2.0","id":"deep","method":"tools/call","params":{"name":"echo","arguments":{"text":${'['.repeat(depth)}${']'.repeat(depth)}}}}`,
    );
    expect(await raw.waitFor((m) => m.id === 'deep')).toMatchObject({
      error: { code: LIMIT_CODE, data: { limit: 'maxDepth' } },
    });
    raw.send({ jsonrpc: '2.0', id: 'after', method: 'ping' });
    expect(await raw.waitFor((m) => m.id === 'after')).toMatchObject({ result: {} });
  });

  it('takes the limit from --max-depth', async () => {
    const c = await client(['--max-depth', '4']);
    const e = await rejection(c.callTool({ name: 'echo', arguments: { text: 'x', n: [[[[]]]] } }));
    expect(e).toMatchObject({ code: LIMIT_CODE });
  });
});

describe('the proxy answers every id it cannot use, and keeps big ones exact', () => {
  it('a host request whose id is an object, an array, null, a fraction or a boolean gets an error with id null', async () => {
    const raw = new RawProxy(['--lock', lockPath], SERVER);
    raws.push(raw);
    await raw.initialize();
    const ids = ['{}', '[1]', 'null', '1.5', 'true'];
    for (const [i, id] of ids.entries()) {
      raw.sendRaw(`{"jsonrpc":"2.0","id":${id},"method":"ping"}`);
      await raw.waitFor(() => raw.lines.filter((m) => (m as { id?: unknown }).id === null).length > i);
    }
    const answers = raw.lines.filter((m) => (m as { id?: unknown }).id === null);
    expect(answers).toEqual(
      ids.map(() => expect.objectContaining({ error: expect.objectContaining({ code: -32600 }) })),
    );
  });

  it('returns an integer id beyond 2^53 digit for digit, both directions', async () => {
    const raw = new RawProxy(['--lock', lockPath], SERVER);
    raws.push(raw);
    await raw.initialize();
    raw.sendRaw('{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}');
    await raw.waitFor(() => raw.rawLines.some((l) => l.includes('"id":9007199254740993')));
    const c = await client();
    const answer = textOf(await probe(c, 'big-id-request')) as string;
    expect(answer).toContain('"id":9007199254740993');
  });
});
