import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Haproxy, haproxyMissing, startHaproxy } from '../../helpers/haproxy.js';
import { waitFor } from '../../helpers/redis-server.js';

// The shipped deploy/haproxy.cfg, run for real in front of two trivial HTTP backends. A request without
// Mcp-Session-Id is balanced; an `initialize` answered with a session id binds that id to its backend.
const missing = haproxyMissing();

interface Backend {
  name: string;
  server: Server;
  port: number;
}

function startBackend(name: string, ready = true): Promise<Backend> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/readyz' && !ready) return void res.writeHead(503).end('not ready');
      const headers: Record<string, string> = { 'content-type': 'text/plain', 'x-backend': name };
      // An `initialize` (here: POST /mcp?init) gets a fresh session id, as a legacy gateway replica would.
      if (req.url === '/mcp?init') headers['mcp-session-id'] = `${name}-${randomUUID()}`;
      res.writeHead(200, headers).end(name);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ name, server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}

describe.skipIf(missing !== undefined)(
  `the shipped HAProxy config${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    let backends: Backend[];
    let haproxy: Haproxy;

    beforeAll(async () => {
      // gw3 never becomes ready (an upstream unverified, Redis unreachable): the /readyz check keeps it out.
      backends = await Promise.all([startBackend('gw1'), startBackend('gw2'), startBackend('gw3', false)]);
      haproxy = await startHaproxy(backends.map((b) => ({ name: b.name, port: b.port })));
    });
    afterAll(async () => {
      await haproxy?.stop();
      await Promise.all((backends ?? []).map((b) => new Promise((r) => b.server.close(r))));
    });

    async function post(
      path: string,
      sessionId?: string,
    ): Promise<{ backend: string; sessionId: string | null }> {
      const res = await fetch(`${haproxy.url}${path}`, {
        method: 'POST',
        headers: sessionId === undefined ? {} : { 'mcp-session-id': sessionId },
        body: '{}',
      });
      await res.text();
      expect(res.status).toBe(200);
      return { backend: res.headers.get('x-backend') ?? '', sessionId: res.headers.get('mcp-session-id') };
    }

    it('takes a replica whose /readyz fails out of the pool', async () => {
      await waitFor(
        async () => /capseal_gateway\/gw3 is DOWN/.test(haproxy.output()),
        'gw3 marked DOWN',
        15_000,
      );
      const seen = [];
      for (let i = 0; i < 6; i++) seen.push((await post('/mcp')).backend);
      expect(seen).not.toContain('gw3');
    });

    it('balances requests without a session id across both backends', async () => {
      const seen = [];
      for (let i = 0; i < 6; i++) seen.push((await post('/mcp')).backend);
      expect(seen).toEqual(expect.arrayContaining(['gw1', 'gw2']));
    });

    it('sends every request carrying a session id to the backend that issued it', async () => {
      const sessions = [];
      for (let i = 0; i < 4; i++) sessions.push(await post('/mcp?init'));
      expect(sessions.map((s) => s.backend)).toEqual(expect.arrayContaining(['gw1', 'gw2']));
      for (const { backend, sessionId } of sessions) {
        expect(sessionId?.startsWith(`${backend}-`)).toBe(true);
        for (let i = 0; i < 5; i++) expect((await post('/mcp', sessionId as string)).backend).toBe(backend);
      }
    });
  },
);
