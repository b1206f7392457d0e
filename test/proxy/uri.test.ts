import { describe, expect, it } from 'vitest';
import { checkResourceUri, matchesTemplate } from '../../src/proxy/index.js';

describe('checkResourceUri', () => {
  it.each([
    ['file:///data/a.txt', 'file', '', ''],
    ['file:///data/a%20b.txt', 'file', '', ''],
    ['memo://notes/1', 'memo', 'notes', ''],
    ['HTTPS://API.example.com:8443/v1/x?q=1#top', 'https', 'api.example.com', '8443'],
    ['https://api.example.com:443/v1', 'https', 'api.example.com', ''],
    ['urn:isbn:0451450523', 'urn', '', ''],
    ['file:///data/caf%C3%A9.txt', 'file', '', ''],
  ])('accepts %s (scheme %s, host %j, port %j) and keeps it verbatim', (uri, scheme, host, port) => {
    expect(checkResourceUri(uri)).toEqual({
      ok: true,
      uri: expect.objectContaining({ raw: uri, scheme, host, port }),
    });
  });

  // The family of encodings that let a server resolve another path or host than the template allows.
  it.each([
    ['encoded slash', 'file:///data/a%2Fb', /encoded delimiter/],
    ['encoded slash, lower case', 'file:///data/a%2fb', /encoded delimiter/],
    ['encoded question mark', 'file:///data/a%3Fb', /encoded delimiter/],
    ['encoded hash', 'file:///data/a%23b', /encoded delimiter/],
    ['encoded at', 'https://api.example.com%40evil.io/x', /encoded delimiter|WHATWG/],
    ['encoded backslash', 'file:///data/a%5Cb', /encoded delimiter/],
    ['encoded backslash, mixed case', 'file:///data/a%5cb', /encoded delimiter/],
    ['encoded colon', 'file:///data/c%3A/x', /encoded delimiter/],
    ['encoded dots', 'file:///data/%2e%2e/etc/passwd', /encoded delimiter/],
    ['mixed-case encoded dots', 'file:///data/%2E%2e/etc/passwd', /encoded delimiter/],
    ['double encoding', 'file:///data/%252e%252e/x', /encoded delimiter/],
    ['double-encoded slash', 'file:///data/a%252Fb', /encoded delimiter/],
    ['overlong UTF-8 dot', 'file:///data/%C0%AE%C0%AE/x', /invalid UTF-8/],
    ['invalid UTF-8', 'file:///data/%E0%A4%41', /UTF-8/],
    ['encoded NUL', 'file:///data/a%00b', /control/],
    ['encoded newline', 'file:///data/a%0Ab', /control/],
    ['encoded DEL', 'file:///data/a%7Fb', /control/],
    ['malformed escape', 'file:///data/%E0%A4%A', /malformed/],
    ['stray percent', 'file:///data/100%', /malformed/],
    ['raw backslash', 'file:///data\\..\\x', /backslash/],
    ['raw space', 'file:///data/a b', /space/],
    ['raw control', 'file:///data/a\u0001b', /control/],
    ['fullwidth solidus', 'file:///data/a\uFF0Fb', /look-alike/],
    ['fullwidth full stop', 'file:///data/\uFF0E\uFF0E/x', /look-alike/],
    ['division slash', 'file:///data/a\u2215b', /look-alike/],
    ['dot segment', 'file:///data/../etc/passwd', /dot segment/],
    ['single dot segment', 'file:///data/./a', /dot segment/],
    ['userinfo', 'https://user@evil.example/x', /userinfo/],
    ['userinfo with password', 'https://api.example.com:x@evil.example/x', /userinfo/],
    ['numeric host WHATWG rewrites', 'http://0x7f.1/x', /WHATWG/],
    ['no scheme', '/no/scheme', /no scheme/],
    ['empty', '', /empty/],
  ])('refuses %s: %s', (_what, uri, reason) => {
    const r = checkResourceUri(uri);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('matchesTemplate', () => {
  it.each([
    ['file:///data/a.txt', 'file:///data/{name}', true],
    ['file:///data/sub/a.txt', 'file:///data/{name}', false],
    ['file:///data/sub/a.txt', 'file:///data/{+path}', true],
    ['file:///etc/passwd', 'file:///data/{+path}', false],
    ['https://api.example.com/v1/x', 'https://api.example.com/{+path}', true],
    ['https://API.EXAMPLE.COM/v1/x', 'https://api.example.com/{+path}', true],
    ['https://api.example.com:443/v1', 'https://api.example.com/{+path}', true],
    ['https://api.example.com:8443/v1', 'https://api.example.com/{+path}', false],
    ['https://api.example.com.evil.io/v1', 'https://api.example.com{+path}', false],
    ['https://api.example.com.evil.io/v1', 'https://api.example.com/{+path}', false],
    ['https://evil.io/#@api.example.com/', 'https://api.example.com/{+path}', false],
    ['http://169.254.169.254/meta', 'https://api.example.com/{+path}', false],
    ['http://api.example.com/v1', 'https://api.example.com/{+path}', false],
    ['https://evil.io/x', 'https://{host}/x', false],
    ['test://static/resource/7', 'test://static/resource/{id}', true],
    ['test://static/resource/7?x=1', 'test://static/resource/{id}{?x}', true],
    ['test://static/resource/7?x=1', 'test://static/resource/{id}', false],
    ['test://static/resource/7#frag', 'test://static/resource/{id}', false],
    ['file:///data/a.txt', '{+uri}', false],
  ])('%s against %s → %s', (uri, template, expected) => {
    const n = checkResourceUri(uri);
    expect(n.ok && matchesTemplate(n.uri, template)).toBe(expected);
  });
});
