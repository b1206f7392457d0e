import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseRightSideLines } from '../../src/action/diff-hunks.js';

/**
 * A small fake of the GitHub REST API on 127.0.0.1, implementing only the endpoints the action uses, with
 * GitHub's own rules where they matter (a review comment must sit on a line the diff shows; only blocking
 * reviews can be dismissed; a write without permission is a 403). Every request is recorded.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: unknown;
}

export interface FakeReview {
  id: number;
  state: string;
  body: string;
  commit_id: string;
  user: { login: string; type: string };
}

export interface FakeComment {
  id: number;
  pull_request_review_id: number | null;
  path: string;
  line: number | null;
  side: string;
  commit_id: string;
  body: string;
  user: { login: string; type: string };
}

export interface FakeFile {
  filename: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  patch?: string;
}

export interface FakeGitHubOptions {
  /** 'none': everything allowed. 'write': every write answers 403. 'all': every call answers 403. */
  deny?: 'none' | 'write' | 'all';
}

export const BOT = { login: 'github-actions[bot]', type: 'Bot' };

/** GitHub lists at most this many files of a pull request (GET /pulls/{n}/files). */
export const FILES_LIMIT = 3_000;

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  reviews: FakeReview[] = [];
  comments: FakeComment[] = [];
  files: FakeFile[] = [];
  /** `${ref}:${path}` → file text, for GET /contents. */
  contents = new Map<string, string>();
  deny: 'none' | 'write' | 'all';
  /** The token's identity: undefined acts like GITHUB_TOKEN (GET /user answers 403, reviews are the bot's). */
  selfLogin: string | undefined;
  /** login → permission (admin, maintain, write, triage, read); others answer 404. */
  permissions = new Map<string, string>();
  /** Commits GET /repos/{o}/{r}/commits/{ref} knows. */
  commits = new Set<string>();
  /** Answer every request whose path matches with this status (a 5xx outage, a 403 on one endpoint). */
  failures: { path: RegExp; status: number }[] = [];
  private nextId = 1000;
  private server: Server | undefined;
  url = '';

  constructor(options: FakeGitHubOptions = {}) {
    this.deny = options.deny ?? 'none';
    this.selfLogin = undefined;
  }

  /** The user the API acts as for this token. */
  private self(): { login: string; type: string } {
    return this.selfLogin === undefined ? BOT : { login: this.selfLogin, type: 'User' };
  }

  /** A review by someone else (a human reviewer), at a commit. */
  addReview(login: string, state: string, commitId: string, body = ''): FakeReview {
    const review = { id: this.nextId++, state, body, commit_id: commitId, user: { login, type: 'User' } };
    this.reviews.push(review);
    return review;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        send(res, 500, { message: String(error) });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Forget recorded requests (state stays: reviews and comments survive, as on GitHub). */
  clearRequests(): void {
    this.requests.length = 0;
  }

  /** Requests that changed something (anything but GET). */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    const body: unknown = raw === '' ? undefined : JSON.parse(raw);
    const method = req.method ?? 'GET';
    this.requests.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      body,
    });
    if (this.deny === 'all' || (this.deny === 'write' && method !== 'GET')) {
      send(res, 403, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request',
        status: '403',
      });
      return;
    }
    const failure = this.failures.find((f) => f.path.test(url.pathname));
    if (failure) {
      send(res, failure.status, {
        message: failure.status >= 500 ? 'Server Error' : 'Resource not accessible by integration',
      });
      return;
    }
    const route = `${method} ${url.pathname}`;
    const b = (body ?? {}) as Record<string, unknown>;
    const match = (re: RegExp): RegExpExecArray | null => re.exec(route);
    let m: RegExpExecArray | null;

    if (route === 'GET /user') {
      if (this.selfLogin === undefined) {
        send(res, 403, { message: 'Resource not accessible by integration', status: '403' });
        return;
      }
      send(res, 200, { login: this.selfLogin, type: 'User' });
      return;
    }
    m = match(/^GET \/repos\/[^/]+\/[^/]+\/collaborators\/([^/]+)\/permission$/);
    if (m) {
      const login = decodeURIComponent(m[1] as string);
      const permission = this.permissions.get(login);
      if (permission === undefined) return send(res, 404, { message: 'Not Found' });
      const legacy = permission === 'maintain' ? 'write' : permission === 'triage' ? 'read' : permission;
      send(res, 200, { permission: legacy, role_name: permission, user: { login } });
      return;
    }
    m = match(/^GET \/repos\/[^/]+\/[^/]+\/commits\/([^/]+)$/);
    if (m) {
      if (!this.commits.has(m[1] as string)) return send(res, 422, { message: 'No commit found for SHA' });
      send(res, 200, { sha: m[1] });
      return;
    }
    m = match(/^GET \/repos\/[^/]+\/[^/]+\/pulls\/\d+\/reviews$/);
    if (m) {
      send(res, 200, this.reviews);
      return;
    }
    m = match(/^POST \/repos\/[^/]+\/[^/]+\/pulls\/\d+\/reviews$/);
    if (m) {
      const event = String(b.event ?? '');
      if (!['COMMENT', 'REQUEST_CHANGES', 'APPROVE'].includes(event)) {
        send(res, 422, { message: `Unprocessable Entity: event "${event}"` });
        return;
      }
      if (event !== 'APPROVE' && !b.body) {
        send(res, 422, { message: 'Unprocessable Entity: body is required for this event' });
        return;
      }
      const inline = (Array.isArray(b.comments) ? b.comments : []) as Record<string, unknown>[];
      for (const c of inline) {
        const problem = this.checkLine(String(c.path), Number(c.line), String(c.side ?? 'RIGHT'));
        if (problem) {
          send(res, 422, { message: 'Unprocessable Entity', errors: [problem] });
          return;
        }
      }
      const review: FakeReview = {
        id: this.nextId++,
        state:
          event === 'REQUEST_CHANGES' ? 'CHANGES_REQUESTED' : event === 'APPROVE' ? 'APPROVED' : 'COMMENTED',
        body: String(b.body ?? ''),
        commit_id: String(b.commit_id ?? ''),
        user: this.self(),
      };
      this.reviews.push(review);
      for (const c of inline) {
        this.comments.push({
          id: this.nextId++,
          pull_request_review_id: review.id,
          path: String(c.path),
          line: Number(c.line),
          side: String(c.side ?? 'RIGHT'),
          commit_id: review.commit_id,
          body: String(c.body),
          user: this.self(),
        });
      }
      send(res, 200, review);
      return;
    }
    m = match(/^PUT \/repos\/[^/]+\/[^/]+\/pulls\/\d+\/reviews\/(\d+)$/);
    if (m) {
      const review = this.reviews.find((r) => r.id === Number(m?.[1]));
      if (!review) return send(res, 404, { message: 'Not Found' });
      review.body = String(b.body ?? '');
      send(res, 200, review);
      return;
    }
    m = match(/^PUT \/repos\/[^/]+\/[^/]+\/pulls\/\d+\/reviews\/(\d+)\/dismissals$/);
    if (m) {
      const review = this.reviews.find((r) => r.id === Number(m?.[1]));
      if (!review) return send(res, 404, { message: 'Not Found' });
      if (review.state !== 'CHANGES_REQUESTED' && review.state !== 'APPROVED') {
        send(res, 422, { message: 'Can not dismiss a commented pull request review' });
        return;
      }
      review.state = 'DISMISSED';
      send(res, 200, review);
      return;
    }
    m = match(/^GET \/repos\/[^/]+\/[^/]+\/pulls\/\d+\/comments$/);
    if (m) {
      send(res, 200, this.comments);
      return;
    }
    m = match(/^POST \/repos\/[^/]+\/[^/]+\/pulls\/\d+\/comments$/);
    if (m) {
      const problem = this.checkLine(String(b.path), Number(b.line), String(b.side ?? 'RIGHT'));
      if (problem) return send(res, 422, { message: 'Unprocessable Entity', errors: [problem] });
      if (!b.commit_id) return send(res, 422, { message: 'commit_id is required' });
      const comment: FakeComment = {
        id: this.nextId++,
        pull_request_review_id: null,
        path: String(b.path),
        line: Number(b.line),
        side: String(b.side ?? 'RIGHT'),
        commit_id: String(b.commit_id),
        body: String(b.body),
        user: this.self(),
      };
      this.comments.push(comment);
      send(res, 201, comment);
      return;
    }
    m = match(/^PATCH \/repos\/[^/]+\/[^/]+\/pulls\/comments\/(\d+)$/);
    if (m) {
      const comment = this.comments.find((c) => c.id === Number(m?.[1]));
      if (!comment) return send(res, 404, { message: 'Not Found' });
      comment.body = String(b.body ?? '');
      send(res, 200, comment);
      return;
    }
    m = match(/^GET \/repos\/[^/]+\/[^/]+\/pulls\/\d+\/files$/);
    if (m) {
      // Paginated like GitHub's, and like it, never past the first 3,000 files.
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const listed = this.files.slice(0, FILES_LIMIT);
      const slice = listed.slice((page - 1) * perPage, page * perPage);
      if (page * perPage < listed.length) {
        res.setHeader(
          'link',
          `<${this.url}${url.pathname}?per_page=${perPage}&page=${page + 1}>; rel="next"`,
        );
      }
      send(
        res,
        200,
        slice.map((f) => ({ sha: 'f'.repeat(40), additions: 1, deletions: 0, changes: 1, ...f })),
      );
      return;
    }
    m = match(/^GET \/repos\/[^/]+\/[^/]+\/contents\/(.+)$/);
    if (m) {
      const path = decodeURIComponent(m[1] as string);
      const text = this.contents.get(`${url.searchParams.get('ref') ?? ''}:${path}`);
      if (text === undefined) return send(res, 404, { message: 'Not Found' });
      if ((req.headers.accept ?? '').includes('raw')) {
        res.writeHead(200, { 'content-type': 'application/vnd.github.raw; charset=utf-8' });
        res.end(text);
        return;
      }
      send(res, 200, {
        type: 'file',
        encoding: 'base64',
        path,
        content: Buffer.from(text).toString('base64'),
      });
      return;
    }
    send(res, 404, { message: `Not Found (fake GitHub has no route for ${route})` });
  }

  /** GitHub's rule: an inline comment must be on a line of the PR diff, on the side it names. */
  private checkLine(path: string, line: number, side: string): string | undefined {
    const file = this.files.find((f) => f.filename === path);
    if (!file) return `path ${path} is not part of the pull request`;
    if (side !== 'RIGHT') return `side ${side} not used by this fake`;
    if (!parseRightSideLines(file.patch).has(line)) return `Line ${line} of ${path} must be part of the diff`;
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      data += chunk;
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** A unified-diff patch that adds every line of `text` (a new file). */
export function patchAddingFile(text: string): string {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join('\n');
}

/** A unified-diff patch between two texts: one hunk spanning the whole file (simple, and valid for GitHub's rule). */
export function patchBetween(before: string, after: string): string {
  const a = before.endsWith('\n') ? before.slice(0, -1).split('\n') : before.split('\n');
  const b = after.endsWith('\n') ? after.slice(0, -1).split('\n') : after.split('\n');
  // Longest common subsequence, line by line: small files only (fixtures).
  const dp: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      (dp[i] as number[])[j] =
        a[i] === b[j]
          ? ((dp[i + 1] as number[])[j + 1] as number) + 1
          : Math.max((dp[i + 1] as number[])[j] as number, (dp[i] as number[])[j + 1] as number);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(` ${a[i]}`);
      i++;
      j++;
    } else if (
      j < b.length &&
      (i >= a.length || ((dp[i] as number[])[j + 1] ?? 0) >= ((dp[i + 1] as number[])[j] ?? 0))
    ) {
      out.push(`+${b[j]}`);
      j++;
    } else {
      out.push(`-${a[i]}`);
      i++;
    }
  }
  return [`@@ -1,${a.length} +1,${b.length} @@`, ...out].join('\n');
}
