export const id = 603;
export const ids = [603];
export const modules = {

/***/ 52603:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  signLockfileSigstore: () => (/* binding */ signLockfileSigstore)
});

// UNUSED EXPORTS: signLockfileEd25519

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
// EXTERNAL MODULE: ./node_modules/sigstore/dist/index.js
var dist = __webpack_require__(94267);
// EXTERNAL MODULE: ./src/lockfile/index.ts + 1 modules
var lockfile = __webpack_require__(82374);
// EXTERNAL MODULE: ./src/shared/errors.ts
var errors = __webpack_require__(58382);
// EXTERNAL MODULE: ./src/sign/ed25519.ts + 1 modules
var ed25519 = __webpack_require__(66065);
// EXTERNAL MODULE: ./src/sign/payload.ts
var payload = __webpack_require__(5911);
// EXTERNAL MODULE: ./src/sign/types.ts
var types = __webpack_require__(78952);
// EXTERNAL MODULE: ./src/sign/io/files.ts
var files = __webpack_require__(51813);
// EXTERNAL MODULE: ./src/sign/io/keys.ts
var keys = __webpack_require__(1072);
// EXTERNAL MODULE: ./node_modules/zod/v4/classic/schemas.js + 2 modules
var schemas = __webpack_require__(88343);
;// CONCATENATED MODULE: ./src/sign/io/oidc.ts


const SIGSTORE_AUDIENCE = 'sigstore';
const TokenResponseSchema = schemas/* object */.Ikc({ value: schemas/* string */.YjP().min(1) });
/**
 * The OIDC identity token Fulcio exchanges for a signing certificate. `SIGSTORE_ID_TOKEN` wins when set;
 * otherwise, in GitHub Actions, the job's token for audience `sigstore`, requested from
 * ACTIONS_ID_TOKEN_REQUEST_URL with ACTIONS_ID_TOKEN_REQUEST_TOKEN (present only with
 * `permissions: id-token: write`). USAGE when neither is available, SERVER_FAILED when the request fails.
 */
async function readIdentityToken(options) {
    const { env } = options;
    const explicit = env.SIGSTORE_ID_TOKEN?.trim();
    if (explicit)
        return explicit;
    const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (!url || !bearer) {
        throw new errors/* CapsealError */._i('USAGE', 'no OIDC identity token for keyless signing', {
            details: [
                'in GitHub Actions, give the job `permissions: id-token: write`',
                'elsewhere, set SIGSTORE_ID_TOKEN to a token with audience "sigstore"',
            ],
        });
    }
    let requestUrl;
    try {
        requestUrl = new URL(url);
    }
    catch {
        throw new errors/* CapsealError */._i('INVALID_INPUT', 'ACTIONS_ID_TOKEN_REQUEST_URL is not a URL');
    }
    requestUrl.searchParams.set('audience', SIGSTORE_AUDIENCE);
    const doFetch = options.fetch ?? fetch;
    let body;
    try {
        const response = await doFetch(requestUrl, {
            headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' },
        });
        if (!response.ok)
            throw new Error(`HTTP ${response.status} ${response.statusText}`);
        body = await response.json();
    }
    catch (error) {
        throw new errors/* CapsealError */._i('SERVER_FAILED', 'could not get an OIDC token from GitHub Actions', {
            details: [`${requestUrl.origin}${requestUrl.pathname}: ${(0,errors/* errorMessage */.gJ)(error)}`],
            cause: error,
        });
    }
    const parsed = TokenResponseSchema.safeParse(body);
    if (!parsed.success) {
        throw new errors/* CapsealError */._i('SERVER_FAILED', 'the GitHub Actions OIDC endpoint answered without a token', {
            details: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
        });
    }
    return parsed.data.value;
}
/** The unverified `iss` and `sub`/`email` claims of a JWT, for telling the user who is about to sign. */
function peekTokenClaims(token) {
    const part = token.split('.')[1];
    if (part === undefined)
        return {};
    try {
        const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
        if (claims === null || typeof claims !== 'object')
            return {};
        const c = claims;
        const subject = typeof c.email === 'string' ? c.email : typeof c.sub === 'string' ? c.sub : undefined;
        return { issuer: typeof c.iss === 'string' ? c.iss : undefined, subject };
    }
    catch {
        return {};
    }
}

;// CONCATENATED MODULE: ./src/sign/io/sign-lockfile.ts










const DEFAULT_FULCIO_URL = 'https://fulcio.sigstore.dev';
const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';
function describe(error) {
    if (!(error instanceof Error))
        return String(error);
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
}
/**
 * A Signer backed by Sigstore: exchanges the OIDC token for a short-lived Fulcio certificate, signs the
 * payload with an ephemeral key, records it in Rekor (and a TSA when configured) and returns the standard
 * bundle JSON. Service failures are SERVER_FAILED (exit 3).
 */
function createSigstoreSigner(options) {
    const fulcioURL = options.fulcioURL ?? options.env.CAPSEAL_FULCIO_URL ?? DEFAULT_FULCIO_URL;
    const rekorURL = options.rekorURL ?? options.env.CAPSEAL_REKOR_URL ?? DEFAULT_REKOR_URL;
    const tsaServerURL = options.tsaURL ?? (options.env.CAPSEAL_TSA_URL || undefined);
    return {
        kind: 'sigstore',
        async sign(payload) {
            const token = await readIdentityToken({ env: options.env, fetch: options.fetch });
            try {
                const bundle = await (0,dist/* sign */._S)(Buffer.from(payload), {
                    fulcioURL,
                    rekorURL,
                    tsaServerURL,
                    identityProvider: { getToken: () => Promise.resolve(token) },
                    retry: { retries: options.retries ?? 2 },
                    timeout: options.timeoutMs ?? 15_000,
                });
                return `${JSON.stringify(bundle, null, 2)}\n`;
            }
            catch (error) {
                throw new errors/* CapsealError */._i('SERVER_FAILED', 'keyless signing with Sigstore failed', {
                    details: [
                        describe(error),
                        `fulcio: ${fulcioURL}`,
                        `rekor: ${rekorURL}`,
                        `tsa: ${tsaServerURL ?? '(none)'}`,
                    ],
                    cause: error,
                });
            }
        },
    };
}
async function signWith(path, signer, who) {
    const text = await (0,files/* readInputFile */.jH)(path, 'lockfile');
    (0,lockfile/* parseLockfile */.tg)(text, path); // never sign something that is not a valid lockfile
    const document = await signer.sign((0,payload/* lockfilePayload */.u)(text, path));
    const signaturePath = `${path}${types/* SIDECAR_SUFFIX */.S[signer.kind]}`;
    await (0,files/* writeFileAtomic */.Zf)(signaturePath, document);
    return { kind: signer.kind, lockPath: path, signaturePath, signer: who };
}
/** `capseal sign --key KEY LOCK`: writes `LOCK.sig` over the lockfile's canonical bytes. */
async function signLockfileEd25519(path, privateKeyPath) {
    const privateKey = await readPrivateKey(privateKeyPath);
    return signWith(path, createEd25519Signer(privateKey), fingerprintOf(createPublicKey(privateKey)));
}
/**
 * `capseal sign --sigstore LOCK`, and the Action's keyless signing: the one code path that gets the OIDC
 * token, signs the lockfile's canonical bytes through Fulcio/Rekor(/TSA) and writes `LOCK.sigstore.json`.
 */
async function signLockfileSigstore(path, options) {
    const token = await readIdentityToken({ env: options.env, fetch: options.fetch });
    const claims = peekTokenClaims(token);
    // Hand the token we already have to the signer, so the token endpoint is asked exactly once.
    const signer = createSigstoreSigner({ ...options, env: { ...options.env, SIGSTORE_ID_TOKEN: token } });
    const who = `${claims.subject ?? '(unknown subject)'} (issuer ${claims.issuer ?? 'unknown'})`;
    return signWith(path, signer, who);
}


/***/ })

};

//# sourceMappingURL=603.index.js.map