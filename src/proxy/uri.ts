/**
 * Resource URI checks for resources/read. A URI is compared with the lock only after normalization:
 * percent-decoding (once; anything still encoded that could hide a separator is refused), dot segments
 * (any `.`/`..` segment is refused rather than resolved), scheme (must equal the locked entry's), and for
 * network schemes the authority (no userinfo, the template must spell the authority literally and the URI must have exactly it). Pure.
 */

export type UriCheck = { ok: true; normalized: string } | { ok: false; reason: string };

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
const NETWORK_SCHEMES = new Set(['http', 'https', 'ws', 'wss', 'ftp']);

/** Normalize a URI for comparison, or say why it is refused. */
export function normalizeResourceUri(uri: string): UriCheck {
  if (typeof uri !== 'string' || uri.length === 0) return { ok: false, reason: 'empty URI' };
  if (uri.length > 8192) return { ok: false, reason: 'URI longer than 8192 characters' };
  if (/[\u0000-\u001f\u007f\\]/.test(uri))
    return { ok: false, reason: 'control character or backslash in URI' };
  const scheme = SCHEME.exec(uri);
  if (!scheme) return { ok: false, reason: 'URI has no scheme' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(uri);
  } catch {
    return { ok: false, reason: 'malformed percent-encoding' };
  }
  if (/%(2e|2f|5c|25|00)/i.test(decoded)) return { ok: false, reason: 'double percent-encoding' };
  if (/[\u0000-\u001f\u007f\\]/.test(decoded))
    return { ok: false, reason: 'encoded control character or backslash' };
  const rest = decoded.slice((scheme[1] as string).length + 1);
  const pathPart = rest.split(/[?#]/, 1)[0] as string;
  const segments = pathPart.split('/');
  if (segments.some((s) => s === '..' || s === '.'))
    return { ok: false, reason: 'dot segment (path traversal)' };
  const lowerScheme = (scheme[1] as string).toLowerCase();
  if (NETWORK_SCHEMES.has(lowerScheme)) {
    const authority = rest.startsWith('//') ? (rest.slice(2).split(/[/?#]/, 1)[0] as string) : '';
    if (authority.includes('@')) return { ok: false, reason: 'userinfo in URI authority' };
  }
  return { ok: true, normalized: `${lowerScheme}:${rest}` };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compile an RFC 6570 template (levels 1–4, the operators MCP servers use) into an anchored regex. */
export function templateToRegex(template: string): RegExp {
  let out = '';
  let last = 0;
  for (const m of template.matchAll(/\{([+#./;?&]?)([^}]*)\}/g)) {
    out += escapeRegex(template.slice(last, m.index));
    const op = m[1];
    if (op === '+' || op === '#') out += op === '#' ? '(?:#.*)?' : '.*';
    else if (op === '/') out += '(?:/[^/?#]*)*';
    else if (op === '?' || op === '&') out += '(?:[?&][^#]*)?';
    else if (op === '.') out += '(?:\\.[^/?#.]*)*';
    else if (op === ';') out += '(?:;[^/?#]*)*';
    else out += '[^/?#]*';
    last = (m.index ?? 0) + m[0].length;
  }
  out += escapeRegex(template.slice(last));
  return new RegExp(`^${out}$`, 's');
}

/** `scheme://authority` of a URI, the authority ending at the first `/`, `?`, `#` or the end. */
function originOf(uri: string): string | undefined {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/.exec(uri);
  return m ? `${(m[1] as string).toLowerCase()}://${(m[2] as string).toLowerCase()}` : undefined;
}

/**
 * True when a normalized URI is an instance of the template. For network schemes the URI's origin must
 * equal the template's literal origin (so `{+path}` cannot smuggle another host).
 */
export function matchesTemplate(normalizedUri: string, template: string): boolean {
  const t = normalizeResourceUri(template.replace(/\{[^}]*\}/g, 'x'));
  if (!t.ok) return false;
  const scheme = (SCHEME.exec(normalizedUri)?.[1] ?? '').toLowerCase();
  const tScheme = (SCHEME.exec(template)?.[1] ?? '').toLowerCase();
  if (scheme !== tScheme) return false;
  const lowered = `${tScheme}:${template.slice(tScheme.length + 1)}`;
  if (NETWORK_SCHEMES.has(scheme)) {
    // The authority must be literal in the template (an expression there would let a caller pick the
    // host: refused) and equal the URI's, so `{+path}` right after the host cannot extend it.
    const literal = template.split('{', 1)[0] as string;
    const origin = originOf(literal);
    if (origin === undefined || origin !== originOf(normalizedUri)) return false;
  }
  return templateToRegex(lowered).test(normalizedUri);
}
