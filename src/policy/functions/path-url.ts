import { posix } from 'node:path';

/**
 * Path and URL inspection behind the CEL functions `pathNormalize`, `pathIsUnder`, `pathHasTraversal`,
 * `isSensitivePath`, `urlScheme`, `urlHost`, `isPrivateHost`, `urlIsPrivate`. Pure: WHATWG URL parsing and
 * posix path arithmetic only, nothing touches the file system or the network.
 */

function decodeOnce(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Normalize a path: percent-decoding (twice, for double encoding), `\` → `/`, `.`/`..` folded, no trailing `/`. */
export function pathNormalize(p: string): string {
  if (p === '') return '';
  const slashed = decodeOnce(decodeOnce(p)).replace(/\\/g, '/');
  const n = posix.normalize(slashed);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** True when the path contains a `..` segment (also percent-encoded, double-encoded or with `\`). */
export function pathHasTraversal(p: string): boolean {
  const decoded = decodeOnce(decodeOnce(p)).replace(/\\/g, '/');
  return decoded.split(/[/?#]/).some((seg) => seg === '..');
}

/** True when `p`, normalized, is `root` or lies beneath it (both normalized; a relative `p` is never under an absolute root). */
export function pathIsUnder(p: string, root: string): boolean {
  const np = pathNormalize(p);
  const nr = pathNormalize(root);
  if (nr === '' || np === '') return false;
  if (np.startsWith('../') || np === '..') return false;
  if (nr === '/') return np.startsWith('/');
  return np === nr || np.startsWith(`${nr}/`);
}

const SENSITIVE = [
  /(^|\/)\.ssh(\/|$)(?!config$|known_hosts$)/i,
  /(^|\/)id_(rsa|dsa|ecdsa|ed25519)(\.pub)?$/i,
  /(^|\/)\.env(\.[\w-]+)?$/i,
  /(^|\/)\.aws\/(credentials|config)$/i,
  /(^|\/)\.(netrc|npmrc|pypirc|git-credentials|pgpass)$/i,
  /(^|\/)\.kube\/config$/i,
  /(^|\/)\.docker\/config\.json$/i,
  /(^|\/)\.gnupg(\/|$)/i,
  /^\/etc\/(shadow|gshadow|sudoers|passwd)$/i,
  /\.(pem|key|p12|pfx|keystore|jks)$/i,
  /(^|\/)(claude_desktop_config|mcp)\.json$/i,
];

/** True for paths that hold secrets: SSH keys, .env files, cloud/registry credentials, /etc/shadow, key files. */
export function isSensitivePath(p: string): boolean {
  const n = pathNormalize(p.replace(/^~(?=\/|$)/, '/home/user'));
  return SENSITIVE.some((re) => re.test(n));
}

function parseUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

/** The URL scheme without `:` (lowercase), or "" when the string is not an absolute URL. */
export function urlScheme(s: string): string {
  const u = parseUrl(s);
  if (u !== undefined) return u.protocol.replace(/:$/, '');
  // URI templates such as file:///{path} are not URLs yet; the scheme is still readable.
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(s);
  return m ? (m[1] as string).toLowerCase() : '';
}

/** The URL host (lowercase, IPv6 without brackets), or "". */
export function urlHost(s: string): string {
  const u = parseUrl(s);
  return u ? u.hostname.replace(/^\[|\]$/g, '').toLowerCase() : '';
}

function ipv4(host: string): number[] | undefined {
  const parts = host.split('.');
  if (parts.length !== 4) return undefined;
  const nums = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  return nums.every((n) => n >= 0 && n <= 255) ? nums : undefined;
}

/**
 * True for loopback, private (RFC 1918), link-local (incl. 169.254.169.254 cloud metadata), CGNAT,
 * unspecified, IPv6 loopback/ULA/link-local and IPv4-mapped forms of those, and `localhost` names.
 * (WHATWG URL parsing has already turned 0x7f.1, 2130706433 and friends into dotted quads.)
 */
export function isPrivateHost(hostIn: string): boolean {
  const host = hostIn
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host === '') return host !== '';
  const v4 = ipv4(host);
  if (v4 !== undefined) {
    const [a, b] = v4 as [number, number, number, number];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (host.includes(':')) {
    if (host === '::1' || host === '::') return true;
    const mapped = /^::ffff:(.+)$/.exec(host);
    if (mapped) {
      const tail = mapped[1] as string;
      if (ipv4(tail)) return isPrivateHost(tail);
      const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(tail);
      if (hex) {
        const hi = Number.parseInt(hex[1] as string, 16);
        const lo = Number.parseInt(hex[2] as string, 16);
        return isPrivateHost(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
      }
    }
    return /^f[cd][0-9a-f]{0,2}:/.test(host) || /^fe[89ab][0-9a-f]?:/.test(host);
  }
  return false;
}

/** True when the URL's host is private/loopback/link-local (see isPrivateHost). */
export function urlIsPrivate(s: string): boolean {
  const host = urlHost(s);
  return host !== '' && isPrivateHost(host);
}
