export {
  CapsealError,
  type ErrorCode,
  EXIT,
  errorMessage,
  exitCodeFor,
  formatError,
  type Outcome,
  outcomeFor,
} from './errors.js';
export {
  assertFileDepth,
  DEFAULT_MAX_JSON_DEPTH,
  describeDepthExcess,
  fileDepthLimit,
  findInJson,
  jsonTextDepth,
  jsonValueDepth,
  MAX_JSON_DEPTH_CEILING,
} from './json-limits.js';
export { createStreamLogger, type Logger, silentLogger } from './logger.js';
export { assertWellFormed, formatPath, parseJsonText, validateWith } from './validate.js';
export { VERSION } from './version.js';
