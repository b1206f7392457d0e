import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CapsealError,
  type ErrorCode,
  errorMessage,
  exitCodeFor,
  formatError,
  outcomeFor,
} from '../../src/shared/errors.js';
import { VERSION } from '../../src/shared/version.js';
import { REPO } from '../helpers/cli.js';

describe('the error table', () => {
  it.each<[ErrorCode, number, string]>([
    ['USAGE', 2, 'error'],
    ['INVALID_INPUT', 2, 'error'],
    ['SERVER_FAILED', 3, 'error'],
    ['SIGNATURE_INVALID', 1, 'fail'],
    ['ARTIFACT_MISMATCH', 1, 'fail'],
    ['POLICY_DENIED', 1, 'fail'],
    ['INTERNAL', 70, 'error'],
  ])('maps %s to exit %i and Action outcome %s', (code, exit, outcome) => {
    const error = new CapsealError(code, 'x');
    expect(exitCodeFor(error)).toBe(exit);
    expect(outcomeFor(error)).toBe(outcome);
  });

  it('treats anything that is not a CapsealError as our bug', () => {
    expect(exitCodeFor(new TypeError('boom'))).toBe(70);
    expect(outcomeFor('boom')).toBe('error');
    expect(formatError(new TypeError('boom'))).toMatch(/^capseal: internal error/);
  });

  it('gives the message of anything thrown', () => {
    expect(errorMessage(new Error('m'))).toBe('m');
    expect(errorMessage('s')).toBe('s');
    expect(errorMessage(42)).toBe('42');
  });
});

describe('VERSION', () => {
  it('is the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
