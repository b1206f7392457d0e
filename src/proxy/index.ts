// The proxy's pure core: the JSON-RPC decision state machine, framing and URI checks. Byte movers and the
// process spawner live in ./io/ (import them from '../proxy/io/index.js').

export { BLOCK_KINDS, type BlockData, type BlockKind } from './block.js';
export {
  type FrameEvent,
  LineSplitter,
  RAW_LINE,
  recoverId,
  serializeLine,
  spliceId,
  withRawLine,
} from './framing.js';
export {
  checkCallParams,
  checkModernHeaders,
  checkParamHeaders,
  HEADER_MISMATCH_CODE,
  isModernHeader,
  lockedParamBindings,
  type ParamBinding,
  paramBindings,
  paramHeaders,
  paramHeadersOf,
} from './http-headers.js';
export { type Classified, classify, errorResponse, idKey } from './jsonrpc.js';
export {
  CODE_LOADING_ENV,
  checkLaunch,
  codeLoadingFlags,
  type Launch,
  type LaunchFinding,
  matchesLaunchGlob,
} from './launch-check.js';
export { ProxySession, type SessionConfig } from './session.js';
export { ANONYMOUS_CONTEXT, type StateScope, stateKey } from './state-key.js';
export {
  type AuditRecord,
  BLOCKED_CODE,
  type CallPolicy,
  type CallPolicyInput,
  DEFAULT_PROXY_LIMITS,
  type DriftKind,
  type Effects,
  type EntryNormalizer,
  type EntryNormalizers,
  type JsonRpcId,
  type JsonRpcMessage,
  LIMIT_CODE,
  PROXY_MODES,
  type ProxyLimits,
  type ProxyMode,
  type ResultDecision,
  type ResultPolicy,
  type ResultPolicyInput,
  SERVER_GONE_CODE,
} from './types.js';
export { type CheckedUri, checkResourceUri, matchesTemplate, templateToRegex, type UriCheck } from './uri.js';
