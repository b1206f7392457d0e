// The gateway's shells: the HTTP endpoint, the client dispatcher, the supervised upstream links.

export { type ClientContext, Dispatcher, MODERN_VERSION, type UpstreamTable } from './dispatch.js';
export { type GatewayOptions, type RunningGateway, runGateway } from './gateway.js';
export { type HttpFront, type HttpFrontOptions, listenGateway } from './http.js';
export { driftKey, type UpstreamAnswer, UpstreamLink, type UpstreamState } from './upstream.js';
