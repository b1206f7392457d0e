export {
  confusableReasons,
  describeConfusableAcross,
  describeConfusableNames,
  findConfusableNames,
  skeleton,
} from './confusable.js';
export { diffLocks } from './diff-locks.js';
export { DRIFT_KINDS, type DriftKindInfo, kindInfo } from './kinds.js';
export { compareSchemas, type SchemaChange } from './schema-change.js';
export { atOrAbove, type Drift, type DriftSubject, SEVERITIES, type Severity } from './types.js';
