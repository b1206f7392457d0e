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
export { createStreamLogger, type Logger, silentLogger } from './logger.js';
export { formatPath, parseJsonText, validateWith } from './validate.js';
export { VERSION } from './version.js';
