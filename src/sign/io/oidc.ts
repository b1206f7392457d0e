import { z } from 'zod';
import { CapsealError, errorMessage } from '../../shared/index.js';

const SIGSTORE_AUDIENCE = 'sigstore';

export interface IdentityTokenOptions {
  env: NodeJS.ProcessEnv;
  /** Injected for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

const TokenResponseSchema = z.object({ value: z.string().min(1) });

/**
 * The OIDC identity token Fulcio exchanges for a signing certificate. `SIGSTORE_ID_TOKEN` wins when set;
 * otherwise, in GitHub Actions, the job's token for audience `sigstore`, requested from
 * ACTIONS_ID_TOKEN_REQUEST_URL with ACTIONS_ID_TOKEN_REQUEST_TOKEN (present only with
 * `permissions: id-token: write`). USAGE when neither is available, SERVER_FAILED when the request fails.
 */
export async function readIdentityToken(options: IdentityTokenOptions): Promise<string> {
  const { env } = options;
  const explicit = env.SIGSTORE_ID_TOKEN?.trim();
  if (explicit) return explicit;
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !bearer) {
    throw new CapsealError('USAGE', 'no OIDC identity token for keyless signing', {
      details: [
        'in GitHub Actions, give the job `permissions: id-token: write`',
        'elsewhere, set SIGSTORE_ID_TOKEN to a token with audience "sigstore"',
      ],
    });
  }
  let requestUrl: URL;
  try {
    requestUrl = new URL(url);
  } catch {
    throw new CapsealError('INVALID_INPUT', 'ACTIONS_ID_TOKEN_REQUEST_URL is not a URL');
  }
  requestUrl.searchParams.set('audience', SIGSTORE_AUDIENCE);
  const doFetch = options.fetch ?? fetch;
  let body: unknown;
  try {
    const response = await doFetch(requestUrl, {
      headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' },
    });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    body = await response.json();
  } catch (error) {
    throw new CapsealError('SERVER_FAILED', 'could not get an OIDC token from GitHub Actions', {
      details: [`${requestUrl.origin}${requestUrl.pathname}: ${errorMessage(error)}`],
      cause: error,
    });
  }
  const parsed = TokenResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new CapsealError('SERVER_FAILED', 'the GitHub Actions OIDC endpoint answered without a token', {
      details: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    });
  }
  return parsed.data.value;
}

/** The unverified `iss` and `sub`/`email` claims of a JWT, for telling the user who is about to sign. */
export function peekTokenClaims(token: string): { issuer?: string; subject?: string } {
  const part = token.split('.')[1];
  if (part === undefined) return {};
  try {
    const claims: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (claims === null || typeof claims !== 'object') return {};
    const c = claims as Record<string, unknown>;
    const subject = typeof c.email === 'string' ? c.email : typeof c.sub === 'string' ? c.sub : undefined;
    return { issuer: typeof c.iss === 'string' ? c.iss : undefined, subject };
  } catch {
    return {};
  }
}
