import { describe, expect, it } from 'vitest';
import {
  isPrivateHost,
  isSensitivePath,
  pathHasTraversal,
  pathIsUnder,
  pathNormalize,
  urlHost,
  urlIsPrivate,
  urlScheme,
} from '../../../src/policy/functions/path-url.js';

describe('path functions', () => {
  it.each([
    ['/a/b/../c', '/a/c'],
    ['a\\b\\..\\c', 'a/c'],
    ['/a/%2e%2e/b', '/b'],
    ['/a/%252e%252e/b', '/b'],
    ['/a/b/', '/a/b'],
    ['', ''],
  ])('pathNormalize(%j) = %j', (input, expected) => {
    expect(pathNormalize(input)).toBe(expected);
  });

  it.each([
    ['../etc/passwd', true],
    ['a/../../b', true],
    ['..\\windows', true],
    ['%2e%2e/secret', true],
    ['file:///srv/%2E%2E/etc', true],
    ['docs/..md', false],
    ['/srv/data/file.txt', false],
  ])('pathHasTraversal(%j) = %s', (input, expected) => {
    expect(pathHasTraversal(input)).toBe(expected);
  });

  it.each([
    ['/srv/data/x.txt', '/srv/data', true],
    ['/srv/data', '/srv/data', true],
    ['/srv/data/../etc', '/srv/data', false],
    ['/srv/database', '/srv/data', false],
    ['/anything', '/', true],
    ['relative/x', '/srv', false],
  ])('pathIsUnder(%j, %j) = %s', (p, root, expected) => {
    expect(pathIsUnder(p, root)).toBe(expected);
  });

  it.each([
    ['~/.ssh/id_rsa', true],
    ['/home/me/.ssh/authorized_keys', true],
    ['~/.ssh/config', false],
    ['project/.env', true],
    ['project/.env.local', true],
    ['~/.aws/credentials', true],
    ['/etc/shadow', true],
    ['server.pem', true],
    ['README.md', false],
    ['src/environment.ts', false],
  ])('isSensitivePath(%j) = %s', (p, expected) => {
    expect(isSensitivePath(p)).toBe(expected);
  });
});

describe('URL functions', () => {
  it('reads scheme and host', () => {
    expect(urlScheme('HTTPS://Example.com/x')).toBe('https');
    expect(urlScheme('file:///{path}')).toBe('file');
    expect(urlScheme('not a url')).toBe('');
    expect(urlHost('http://[::1]:8080/')).toBe('::1');
    expect(urlHost('https://API.Example.com')).toBe('api.example.com');
    expect(urlHost('nope')).toBe('');
  });

  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['localhost', true],
    ['api.localhost', true],
    ['::1', true],
    ['fd12:3456::1', true],
    ['fe80::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['8.8.8.8', false],
    ['example.com', false],
    ['2606:4700::1111', false],
  ])('isPrivateHost(%j) = %s', (host, expected) => {
    expect(isPrivateHost(host)).toBe(expected);
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data', true],
    ['http://0x7f.1/', true],
    ['http://2130706433/', true],
    ['http://[::ffff:127.0.0.1]/', true],
    ['https://example.com', false],
    ['/just/a/path', false],
  ])('urlIsPrivate(%j) = %s', (url, expected) => {
    expect(urlIsPrivate(url)).toBe(expected);
  });
});
