import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// The submodules, not the package index: the index loads nock, which patches node:http in this process.
import { fulcioHandler, initializeCA, initializeCTLog } from '@sigstore/mock/dist/fulcio/index.js';
import { initializeTLog, rekorHandler } from '@sigstore/mock/dist/rekor/index.js';
import type { HandlerFn } from '@sigstore/mock/dist/shared.types.js';
import { initializeTSA, tsaHandler } from '@sigstore/mock/dist/timestamp/index.js';

export interface SigstoreMockOptions {
  /** `iss` claim of the issued OIDC token (becomes the certificate's issuer extension). */
  issuer?: string;
  /** `sub` claim (becomes the certificate's URI subject alternative name). */
  subject?: string;
  /** Further claims (email, repository, workflow_ref, …). */
  claims?: Record<string, unknown>;
  /**
   * Shift Fulcio's clock (certificate notBefore/notAfter; certificates live 10 minutes) against the log and
   * TSA clock: -3_600_000 issues certificates that have expired by the time they are used.
   */
  certificateClockOffsetMs?: number;
}

export interface SigstoreMock {
  /** Base URLs of the mock services (one loopback server; Fulcio, Rekor and the TSA share it). */
  fulcioURL: string;
  rekorURL: string;
  tsaURL: string;
  /** Fake GitHub Actions OIDC endpoint (ACTIONS_ID_TOKEN_REQUEST_URL) and its bearer token. */
  oidcRequestURL: string;
  oidcRequestToken: string;
  issuer: string;
  subject: string;
  /** The trusted root for this instance's CA, CT log, transparency log and TSA (trusted_root.json form). */
  trustedRoot: Record<string, unknown>;
  /** The environment a signing job sees: ACTIONS_ID_TOKEN_REQUEST_* and CAPSEAL_{FULCIO,REKOR,TSA}_URL. */
  env(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  writeTrustedRoot(path: string): Promise<void>;
  /** Every token request the fake OIDC endpoint saw: the audience asked for and whether auth was right. */
  tokenRequests: { audience: string | null; authorized: boolean }[];
  close(): Promise<void>;
}

function ecKeyPair() {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

function b64(bytes: ArrayBufferView | Buffer): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** An unsigned JWT (alg none): the mock Fulcio decodes claims without checking a signature. */
function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Start @sigstore/mock's Fulcio, Rekor and TSA handlers behind a node:http server on 127.0.0.1, plus a fake
 * GitHub Actions OIDC token endpoint issuing an unsigned JWT with the given claims. All services share one
 * whole-second clock (a Date mutated before each request): the mock TSA otherwise stamps milliseconds, and
 * the timestamp then falls outside the certificate's second-granular validity window.
 */
export async function startSigstoreMock(options: SigstoreMockOptions = {}): Promise<SigstoreMock> {
  const issuer = options.issuer ?? 'https://token.actions.example.test';
  const subject =
    options.subject ?? 'https://github.com/acme/tools/.github/workflows/release.yml@refs/heads/main';
  const oidcRequestToken = randomBytes(16).toString('hex');
  const wholeSecond = () => Math.floor(Date.now() / 1000) * 1000;
  const offset = options.certificateClockOffsetMs ?? 0;
  const clock = new Date(wholeSecond());
  const caClock = new Date(wholeSecond() + offset);
  const validFrom = new Date(Math.min(clock.getTime(), caClock.getTime()) - 60_000).toISOString();

  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const ctlogKeys = ecKeyPair();
  const ctlog = await initializeCTLog(ctlogKeys, caClock);
  const ca = await initializeCA(ecKeyPair(), ctlog, caClock);
  const tlogKeys = ecKeyPair();
  const tlog = await initializeTLog(base, tlogKeys, clock);
  const tsa = await initializeTSA(ecKeyPair(), clock);
  const routes = new Map<string, HandlerFn>();
  for (const handler of [fulcioHandler(ca), rekorHandler(tlog), tsaHandler(tsa)]) {
    routes.set(handler.path, handler.fn);
  }

  const tokenRequests: SigstoreMock['tokenRequests'] = [];
  const token = unsignedJwt({
    iss: issuer,
    sub: subject,
    aud: 'sigstore',
    iat: Math.floor(Date.now() / 1000),
    exp: Math.floor(Date.now() / 1000) + 600,
    ...options.claims,
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', base);
      if (req.method === 'GET' && url.pathname === '/oidc/token') {
        const authorized = req.headers.authorization === `Bearer ${oidcRequestToken}`;
        tokenRequests.push({ audience: url.searchParams.get('audience'), authorized });
        res.writeHead(authorized ? 200 : 401, { 'content-type': 'application/json' });
        res.end(authorized ? JSON.stringify({ count: 1, value: token }) : '{"message":"bad token"}');
        return;
      }
      const fn = req.method === 'POST' ? routes.get(url.pathname) : undefined;
      if (fn === undefined) {
        res.writeHead(404).end();
        return;
      }
      const body = await readBody(req);
      clock.setTime(wholeSecond());
      caClock.setTime(wholeSecond() + offset);
      const { statusCode, response, contentType } = await fn(body);
      res.writeHead(statusCode, { 'content-type': contentType ?? 'text/plain' });
      res.end(
        typeof response === 'string'
          ? response
          : Buffer.from(response.buffer, response.byteOffset, response.byteLength),
      );
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });

  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: base,
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: b64(tlog.publicKey),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: validFrom },
        },
        logId: { keyId: createHash('sha256').update(tlog.publicKey).digest('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: base,
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor: { start: validFrom },
      },
    ],
    ctlogs: [
      {
        baseUrl: base,
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: b64(ctlog.publicKey),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: validFrom },
        },
        logId: { keyId: b64(ctlog.logID) },
      },
    ],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'tsa' },
        uri: base,
        certChain: {
          certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }],
        },
        validFor: { start: validFrom },
      },
    ],
  };

  return {
    fulcioURL: base,
    rekorURL: base,
    tsaURL: base,
    oidcRequestURL: `${base}/oidc/token?api-version=2.0`,
    oidcRequestToken,
    issuer,
    subject,
    trustedRoot,
    tokenRequests,
    env(baseEnv = {}) {
      const env: NodeJS.ProcessEnv = {
        ...baseEnv,
        ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/oidc/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidcRequestToken,
        CAPSEAL_FULCIO_URL: base,
        CAPSEAL_REKOR_URL: base,
        CAPSEAL_TSA_URL: base,
      };
      delete env.SIGSTORE_ID_TOKEN;
      return env;
    },
    async writeTrustedRoot(path) {
      await writeFile(path, `${JSON.stringify(trustedRoot, null, 2)}\n`);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
