import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PROXY_LIMITS,
  type JsonRpcMessage,
  ProxySession,
  SERVER_GONE_CODE,
} from '../../../src/proxy/index.js';
import { nullAuditSink } from '../../../src/proxy/io/audit-log.js';
import { type Endpoint, type EndpointSink, runRelay } from '../../../src/proxy/io/relay.js';
import { normalizeTool } from '../../../src/snapshot/index.js';
import { serverEntry } from '../../helpers/factories.js';

// The relay with in-memory endpoints and a real ProxySession: the loop's own guarantees (batching per
// input chunk, exit codes, server-gone answers). The byte movers are tested against real processes in
// stdio-proxy, http-upstream and http-host tests.
class MemoryEndpoint implements Endpoint {
  sink: EndpointSink | undefined;
  readonly sends: JsonRpcMessage[][] = [];
  closed = 0;
  async start(sink: EndpointSink) {
    this.sink = sink;
  }
  send(messages: readonly JsonRpcMessage[]) {
    this.sends.push([...messages]);
  }
  async close() {
    this.closed++;
  }
}

const logger = { info: () => {}, warn: () => {}, debug: () => {} };

function setup() {
  const session = new ProxySession({
    sessionId: 's',
    serverName: 'demo',
    entry: serverEntry(),
    mode: 'enforce',
    limits: DEFAULT_PROXY_LIMITS,
    normalizers: {
      tools: normalizeTool,
      prompts: normalizeTool,
      resources: normalizeTool,
      resourceTemplates: normalizeTool,
    },
    auditArguments: false,
    recordAllowed: false,
  });
  const host = new MemoryEndpoint();
  const server = new MemoryEndpoint();
  const done = runRelay({ session, host, server, logger, audit: nullAuditSink });
  return { host, server, done };
}

const started = () => new Promise((r) => setImmediate(r));
const line = (m: unknown) => `${JSON.stringify(m)}\n`;

describe('runRelay', () => {
  it('sends what one input chunk produced in one call per side, with proxy ids', async () => {
    const { host, server, done } = setup();
    await started();
    const pings = [1, 2, 3].map((id) => line({ jsonrpc: '2.0', id, method: 'ping' })).join('');
    host.sink?.bytes(Buffer.from(pings));
    expect(server.sends).toHaveLength(1);
    expect(server.sends[0]?.map((m) => ('id' in m ? m.id : undefined))).toEqual(
      [1, 2, 3].map(() => expect.any(Number)),
    );
    host.sink?.closed('bye');
    expect(await done).toEqual({ exitCode: 0, reason: 'bye' });
    expect([host.closed, server.closed]).toEqual([1, 1]);
  });

  it('answers pending host requests with SERVER_GONE_CODE and exits 3 when the server is gone', async () => {
    const { host, server, done } = setup();
    await started();
    host.sink?.message({ jsonrpc: '2.0', id: 'a', method: 'ping' });
    server.sink?.closed('server went away');
    expect(await done).toEqual({ exitCode: 3, reason: 'server went away' });
    expect(host.sends.flat()).toEqual([
      expect.objectContaining({ id: 'a', error: expect.objectContaining({ code: SERVER_GONE_CODE }) }),
    ]);
  });
});
