import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peekTokenClaims, readIdentityToken } from '../../../src/sign/io/oidc.js';
import { type SigstoreMock, startSigstoreMock } from '../../helpers/sigstore-mock.js';

describe('readIdentityToken', () => {
  let mock: SigstoreMock;
  beforeAll(async () => {
    mock = await startSigstoreMock({ claims: { email: 'release@acme.test' } });
  });
  afterAll(() => mock.close());

  describe('in GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN)', () => {
    it('asks for audience sigstore with the request token as bearer', async () => {
      const before = mock.tokenRequests.length;
      const token = await readIdentityToken({ env: mock.env() });
      expect(mock.tokenRequests.slice(before)).toEqual([{ audience: 'sigstore', authorized: true }]);
      expect(peekTokenClaims(token)).toEqual({ issuer: mock.issuer, subject: 'release@acme.test' });
    });

    it('is SERVER_FAILED when the endpoint refuses', async () => {
      const env = { ...mock.env(), ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' };
      await expect(readIdentityToken({ env })).rejects.toMatchObject({
        code: 'SERVER_FAILED',
        message: 'could not get an OIDC token from GitHub Actions',
        details: [expect.stringMatching(/HTTP 401/)],
      });
    });

    it('is SERVER_FAILED when the endpoint answers without a token', async () => {
      const fake = (async () => Response.json({ nope: true })) as typeof fetch;
      await expect(readIdentityToken({ env: mock.env(), fetch: fake })).rejects.toMatchObject({
        code: 'SERVER_FAILED',
        details: ['value: Invalid input: expected string, received undefined'],
      });
    });
  });

  it('prefers SIGSTORE_ID_TOKEN and then asks nobody', async () => {
    const before = mock.tokenRequests.length;
    expect(await readIdentityToken({ env: { ...mock.env(), SIGSTORE_ID_TOKEN: 'a.b.c' } })).toBe('a.b.c');
    expect(mock.tokenRequests.length).toBe(before);
  });

  it('is USAGE, pointing at id-token: write, without any token source', async () => {
    await expect(
      readIdentityToken({ env: { ACTIONS_ID_TOKEN_REQUEST_URL: 'http://x' } }),
    ).rejects.toMatchObject({
      code: 'USAGE',
      details: expect.arrayContaining([expect.stringMatching(/permissions: id-token: write/)]),
    });
  });

  it('peekTokenClaims tolerates garbage', () => {
    expect(peekTokenClaims('garbage')).toEqual({});
    expect(peekTokenClaims('a.!!!.c')).toEqual({});
  });
});
