import { describe, expect, it } from 'vitest';
import { matchesTemplate, normalizeResourceUri } from '../../src/proxy/index.js';

describe('normalizeResourceUri', () => {
  it.each([
    ['file:///data/a.txt', 'file:///data/a.txt'],
    ['FILE:///data/a%20b.txt', 'file:///data/a b.txt'],
    ['memo://notes/1', 'memo://notes/1'],
  ])('accepts %s as %s', (uri, normalized) => {
    expect(normalizeResourceUri(uri)).toEqual({ ok: true, normalized });
  });

  it.each([
    ['file:///data/../etc/passwd', /dot segment/],
    ['file:///data/%2e%2e/etc/passwd', /dot segment/],
    ['file:///data/%252e%252e/x', /double percent-encoding/],
    ['file:///data/%E0%A4%A', /malformed/],
    ['file:///data/a%00b', /control character/],
    ['file:///data\\..\\x', /backslash/],
    ['https://user@evil.example/x', /userinfo/],
    ['/no/scheme', /no scheme/],
    ['', /empty/],
  ])('refuses %s', (uri, reason) => {
    const r = normalizeResourceUri(uri);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('matchesTemplate', () => {
  it.each([
    ['file:///data/a.txt', 'file:///data/{name}', true],
    ['file:///data/sub/a.txt', 'file:///data/{name}', false],
    ['file:///data/sub/a.txt', 'file:///data/{+path}', true],
    ['https://api.example.com/v1/x', 'https://api.example.com/{+path}', true],
    ['https://api.example.com.evil.io/v1', 'https://api.example.com{+path}', false],
    ['http://169.254.169.254/meta', 'https://api.example.com/{+path}', false],
    ['test://static/resource/7', 'test://static/resource/{id}', true],
    ['test://static/resource/7?x=1', 'test://static/resource/{id}{?x}', true],
  ])('%s against %s → %s', (uri, template, expected) => {
    const n = normalizeResourceUri(uri);
    expect(n.ok && matchesTemplate(n.normalized, template)).toBe(expected);
  });
});
