export { CapsealError, type ErrorCode, EXIT, exitCodeFor, formatError } from './errors.js';
export { createStreamLogger, type Logger, silentLogger } from './logger.js';
export { formatPath, parseJsonText, validateWith } from './validate.js';
