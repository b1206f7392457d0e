export const id = 800;
export const ids = [800];
export const modules = {

/***/ 44800:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   ACTIONS_BOT_LOGIN: () => (/* binding */ ACTIONS_BOT_LOGIN),
/* harmony export */   createGitHubClient: () => (/* binding */ createGitHubClient),
/* harmony export */   postReviewSteps: () => (/* binding */ postReviewSteps),
/* harmony export */   readFileAtCommit: () => (/* binding */ readFileAtCommit),
/* harmony export */   readFileAtCommitViaApi: () => (/* binding */ readFileAtCommitViaApi),
/* harmony export */   readOwnLogin: () => (/* binding */ readOwnLogin),
/* harmony export */   readPermission: () => (/* binding */ readPermission),
/* harmony export */   readPullRequestState: () => (/* binding */ readPullRequestState),
/* harmony export */   readReviews: () => (/* binding */ readReviews)
/* harmony export */ });
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(92785);
/* harmony import */ var _shared_index_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(33407);
/* harmony import */ var _permission_error_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(85207);



/** Build the REST client with an explicit base URL (GITHUB_API_URL), so tests can point it at 127.0.0.1. */
function createGitHubClient(token, baseUrl) {
    return (0,_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .getOctokit */ .Q)(token, { baseUrl });
}
/** Everything the review planner needs to read, fetched with pagination. */
async function readPullRequestState(client, pr) {
    const params = { owner: pr.owner, repo: pr.repo, pull_number: pr.number, per_page: 100 };
    return guard(async () => {
        const reviews = await client.paginate(client.rest.pulls.listReviews, params);
        const comments = await client.paginate(client.rest.pulls.listReviewComments, params);
        const files = await client.paginate(client.rest.pulls.listFiles, params);
        return {
            reviews: reviews.map((r) => ({
                id: r.id,
                state: r.state,
                body: r.body ?? '',
                author: r.user?.login ?? '',
                commitId: r.commit_id ?? '',
            })),
            comments: comments.map((c) => ({
                id: c.id,
                path: c.path,
                line: c.line ?? null,
                body: c.body,
                author: c.user?.login ?? '',
            })),
            files: files.map((f) => ({ filename: f.filename, status: f.status, patch: f.patch })),
        };
    });
}
/** Every review on the PR with its author and the commit it reviewed (for approvals). */
async function readReviews(client, pr) {
    const params = { owner: pr.owner, repo: pr.repo, pull_number: pr.number, per_page: 100 };
    const reviews = await client.paginate(client.rest.pulls.listReviews, params);
    return reviews.map((r) => ({
        id: r.id,
        state: r.state,
        author: r.user?.login ?? '',
        commitId: r.commit_id ?? '',
    }));
}
/** A file's text at a commit (the base lockfile), or undefined when it does not exist there. */
async function readFileAtCommit(client, pr, path, ref) {
    try {
        const response = await client.rest.repos.getContent({
            owner: pr.owner,
            repo: pr.repo,
            path,
            ref,
            mediaType: { format: 'raw' },
        });
        const data = response.data;
        if (typeof data === 'string')
            return data;
        if (data instanceof ArrayBuffer)
            return new TextDecoder().decode(data);
        if (typeof data === 'object' && data !== null && 'content' in data && typeof data.content === 'string') {
            return Buffer.from(data.content, 'base64').toString('utf8');
        }
        return undefined;
    }
    catch (error) {
        if (statusOf(error) === 404)
            return undefined;
        return guard(() => Promise.reject(error));
    }
}
/** The login GITHUB_TOKEN acts as: GET /user is not open to it (403), so it is known by name. */
const ACTIONS_BOT_LOGIN = 'github-actions[bot]';
/**
 * Who the token acts as: GET /user for a user's token (PAT, OAuth); an installation token (GITHUB_TOKEN)
 * may not call it and is `github-actions[bot]`.
 */
async function readOwnLogin(client) {
    try {
        const { data } = await client.rest.users.getAuthenticated();
        return data.login;
    }
    catch (error) {
        const status = statusOf(error);
        if (status === 401 || status === 403 || status === 404)
            return ACTIONS_BOT_LOGIN;
        throw error;
    }
}
/** A user's permission on the repository (admin, maintain, write, triage, read, none), from the collaborators API. */
async function readPermission(client, pr, login) {
    const { data } = await client.rest.repos.getCollaboratorPermissionLevel({
        owner: pr.owner,
        repo: pr.repo,
        username: login,
    });
    return { permission: data.permission, role: data.role_name ?? data.permission };
}
async function readFileAtCommitViaApi(client, pr, path, ref) {
    try {
        const text = await readFileAtCommit(client, pr, path, ref);
        if (text !== undefined)
            return { kind: 'found', text };
        // A 404 also answers a token that may not read the repository: the commit must be readable to say "absent".
        await client.rest.repos.getCommit({ owner: pr.owner, repo: pr.repo, ref });
        return { kind: 'absent' };
    }
    catch (error) {
        const status = error instanceof _permission_error_js__WEBPACK_IMPORTED_MODULE_2__/* .ReviewPermissionError */ .c ? error.status : statusOf(error);
        const message = error instanceof Error ? error.message : String(error);
        return {
            kind: 'unavailable',
            reason: status === undefined
                ? `the GitHub API could not be reached (${message})`
                : `the GitHub API answered ${status}`,
            ...(status === undefined ? {} : { status }),
        };
    }
}
/** Perform the planned steps in order. Returns what was done, one line per call, for the log. */
async function postReviewSteps(client, pr, steps) {
    const base = { owner: pr.owner, repo: pr.repo, pull_number: pr.number };
    const done = [];
    for (const step of steps) {
        await guard(async () => {
            switch (step.kind) {
                case 'create-review': {
                    const r = await client.rest.pulls.createReview({
                        ...base,
                        commit_id: pr.headSha,
                        event: step.event,
                        body: step.body,
                        comments: step.comments.map((c) => ({ path: c.path, line: c.line, side: c.side, body: c.body })),
                    });
                    done.push(`created review ${r.data.id} (${step.event}, ${step.comments.length} inline comments)`);
                    return;
                }
                case 'update-review':
                    await client.rest.pulls.updateReview({ ...base, review_id: step.reviewId, body: step.body });
                    done.push(`updated review ${step.reviewId}`);
                    return;
                case 'dismiss-review':
                    await client.rest.pulls.dismissReview({
                        ...base,
                        review_id: step.reviewId,
                        message: step.message,
                        event: 'DISMISS',
                    });
                    done.push(`dismissed review ${step.reviewId}`);
                    return;
                case 'create-comment': {
                    const c = await client.rest.pulls.createReviewComment({
                        ...base,
                        commit_id: pr.headSha,
                        path: step.comment.path,
                        line: step.comment.line,
                        side: step.comment.side,
                        body: step.comment.body,
                    });
                    done.push(`created inline comment ${c.data.id} at ${step.comment.path}:${step.comment.line}`);
                    return;
                }
                case 'update-comment':
                    await client.rest.pulls.updateReviewComment({
                        owner: pr.owner,
                        repo: pr.repo,
                        comment_id: step.commentId,
                        body: step.body,
                    });
                    done.push(`updated inline comment ${step.commentId}`);
                    return;
            }
        });
    }
    return done;
}
function statusOf(error) {
    if (typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number') {
        return error.status;
    }
    return undefined;
}
/** 401/403/404 from the reviews API mean "this token may not do that here": a ReviewPermissionError. */
async function guard(call) {
    try {
        return await call();
    }
    catch (error) {
        const status = statusOf(error);
        if (status === 401 || status === 403 || status === 404) {
            const message = (0,_shared_index_js__WEBPACK_IMPORTED_MODULE_1__/* .errorMessage */ .gJ)(error);
            throw new _permission_error_js__WEBPACK_IMPORTED_MODULE_2__/* .ReviewPermissionError */ .c(status, `GitHub API answered ${status}: ${message}`);
        }
        throw error;
    }
}


/***/ })

};

//# sourceMappingURL=800.index.js.map