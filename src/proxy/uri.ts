/**
 * Resource URI checks for resources/read and resources/subscribe. The proxy authorizes the exact string it
 * forwards: nothing is decoded. A URI is parsed with WHATWG URL semantics (scheme, host, port, path, as
 * the server's URL parser will see them) and refused when its raw text could mean something else to a
 * server that decodes it: encoded separators and delimiters (`%2F %3F %23 %40 %5C %3A %5B %5D`), encoded
 * dots and percent signs (`%2E`, `%25`: traversal, double encoding), encoded or raw control characters and
 * backslashes, invalid UTF-8 escapes, look-alike separators (fullwidth `／ ．`, `∕ ⁄ ＼`), dot segments,
 * userinfo, and any raw text WHATWG would rewrite. Escapes are matched case-insensitively. Pure.
 */

/** A URI that passed the checks, split into the parts templates are matched on (raw, never decoded). */
export interface CheckedUri {
  /** The exact string that is forwarded. */
  raw: string;
  /** Lower-case scheme without the colon. */
  scheme: string;
  /** Host as WHATWG parses it (lower case; '' for `file:///` and opaque URIs), and port ('' = default). */
  host: string;
  port: string;
  /** Path, query and fragment exactly as written (after the authority). */
  rest: string;
}

export type UriCheck = { ok: true; uri: CheckedUri } | { ok: false; reason: string };

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
/** Escapes that change what an authority or path means once a server decodes them. */
const ENCODED_DELIMITER = /%(2f|3f|23|40|5c|3a|5b|5d|2e|25)/i;
/** Escapes of control characters, and bytes that are never valid UTF-8 (overlong `%C0%AE` = `.`). */
const ENCODED_CONTROL = /%(0[0-9a-f]|1[0-9a-f]|7f|c0|c1|f[5-9a-f])/i;
const RAW_FORBIDDEN = /[\u0000-\u0020\u007f\\\uff0f\uff0e\uff3c\u2215\u2044\u29f5\u3002]/;
const MALFORMED_ESCAPE = /%(?![0-9a-fA-F]{2})/;

function refuse(reason: string): UriCheck {
  return { ok: false, reason };
}

/** Check a resource URI as it will be forwarded; see the module comment for what is refused. */
export function checkResourceUri(raw: string): UriCheck {
  if (typeof raw !== 'string' || raw.length === 0) return refuse('empty URI');
  if (raw.length > 8192) return refuse('URI longer than 8192 characters');
  if (RAW_FORBIDDEN.test(raw))
    return refuse('control character, space, backslash or look-alike separator in URI');
  if (MALFORMED_ESCAPE.test(raw)) return refuse('malformed percent-encoding');
  if (ENCODED_CONTROL.test(raw)) return refuse('encoded control character or invalid UTF-8 byte');
  try {
    decodeURIComponent(raw);
  } catch {
    return refuse('percent-encoding that is not valid UTF-8');
  }
  const scheme = SCHEME.exec(raw)?.[1];
  if (scheme === undefined) return refuse('URI has no scheme');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('not a URL (WHATWG parsing failed)');
  }
  if (url.username !== '' || url.password !== '') return refuse('userinfo in URI authority');
  const afterScheme = raw.slice(scheme.length + 1);
  const hasAuthority = afterScheme.startsWith('//');
  const authority = hasAuthority ? (afterScheme.slice(2).split(/[/?#]/, 1)[0] as string) : '';
  if (authority.includes('@')) return refuse('userinfo in URI authority');
  const rest = hasAuthority ? afterScheme.slice(2 + authority.length) : afterScheme;
  const path = rest.split(/[?#]/, 1)[0] as string;
  if (ENCODED_DELIMITER.test(authority) || ENCODED_DELIMITER.test(path))
    return refuse('encoded delimiter, dot or percent sign in the authority or path');
  if (path.split('/').some((s) => s === '.' || s === '..')) return refuse('dot segment (path traversal)');
  // What WHATWG parsed must be what is written: otherwise the server's parser sees another URI.
  if (hasAuthority && !sameAuthority(authority, url)) return refuse('authority WHATWG parses differently');
  if (isAscii(path) && url.pathname !== '' && url.pathname !== path && !(path === '' && url.pathname === '/'))
    return refuse('path WHATWG parses differently');
  return {
    ok: true,
    uri: { raw, scheme: scheme.toLowerCase(), host: url.hostname.toLowerCase(), port: url.port, rest },
  };
}

function isAscii(text: string): boolean {
  return /^[\x21-\x7e]*$/.test(text);
}

function sameAuthority(written: string, url: URL): boolean {
  const lower = written.toLowerCase();
  const host = url.hostname.toLowerCase();
  const port = url.port === '' ? '' : `:${url.port}`;
  // `host:defaultport` is the same authority WHATWG drops the port from.
  return lower === `${host}${port}` || (url.port === '' && lower.replace(/:\d*$/, '') === host);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Compile the part of an RFC 6570 template after its authority (levels 1–4, the operators MCP servers
 * use) into an anchored regex over the raw rest of a URI. Simple expressions match within one path
 * segment; `{+var}` and `{/var*}` may span segments; none matches `?` or `#` outside their operators.
 */
export function templateToRegex(template: string): RegExp {
  let out = '';
  let last = 0;
  for (const m of template.matchAll(/\{([+#./;?&]?)([^}]*)\}/g)) {
    out += escapeRegex(template.slice(last, m.index));
    const op = m[1];
    if (op === '+') out += '[^?#]*';
    else if (op === '#') out += '(?:#.*)?';
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

/**
 * True when a checked URI is an instance of the template: same scheme, host and port (the template must
 * spell its scheme and authority literally: a variable there would let a caller pick the host), and the
 * raw path, query and fragment match the template's rest segment by segment.
 */
export function matchesTemplate(uri: CheckedUri, template: string): boolean {
  const scheme = SCHEME.exec(template)?.[1];
  if (scheme === undefined || scheme.toLowerCase() !== uri.scheme) return false;
  const afterScheme = template.slice(scheme.length + 1);
  const hasAuthority = afterScheme.startsWith('//');
  const authority = hasAuthority ? (afterScheme.slice(2).split(/[/?#{]/, 1)[0] as string) : '';
  const rest = hasAuthority ? afterScheme.slice(2 + authority.length) : afterScheme;
  if (hasAuthority && rest !== '' && !/^[/?#]/.test(rest)) return false; // an expression inside the authority
  if (hasAuthority !== uri.raw.slice(uri.scheme.length + 1).startsWith('//')) return false;
  if (hasAuthority) {
    let literal: URL;
    try {
      literal = new URL(`${scheme}://${authority}/`);
    } catch {
      return false;
    }
    if (literal.hostname.toLowerCase() !== uri.host || literal.port !== uri.port) return false;
  }
  return templateToRegex(rest).test(uri.rest);
}
