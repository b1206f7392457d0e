import { canonicalize } from '../lockfile/index.js';
import {
  assertFileDepth,
  assertWellFormed,
  CapsealError,
  errorMessage,
  fileDepthLimit,
} from '../shared/index.js';

/**
 * The bytes capseal signs for a lockfile: the RFC 8785 canonical form of its JSON value. Reformatting the
 * file (indentation, key order) leaves them unchanged; any change of a value changes them. Throws
 * INVALID_INPUT when the text is not JSON.
 */
export function lockfilePayload(text: string, origin = 'lockfile', maxJsonDepth?: number): Buffer {
  let value: unknown;
  assertFileDepth(text, origin, fileDepthLimit(maxJsonDepth)); // canonicalize recurses: refuse a hostile nesting before it does
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CapsealError('INVALID_INPUT', `${origin} is not valid JSON`, {
      details: [errorMessage(error)],
    });
  }
  assertWellFormed(value, origin, 'INVALID_INPUT');
  return Buffer.from(canonicalize(value), 'utf8');
}
