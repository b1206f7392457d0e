export { runCheck } from './check.js';
export { diffLockTexts, runDiff } from './diff.js';
export { checkGatewayConfig, prepareGateway, readGatewayConfig } from './gateway.js';
export { runInit } from './init.js';
export { runLock } from './lock.js';
export { runPolicyCheck } from './policy.js';
export { prepareCheck, preparePreflight } from './preflight.js';
export { LOCK_NORMALIZERS, prepareProxy, prepareProxyLaunch } from './proxy.js';
export { resolveServerSpecs, type ServerSourceInput } from './server-source.js';
