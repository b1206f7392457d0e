/**
 * The JSON-RPC methods each MCP protocol version defines, per direction, from the specification's schema
 * (ClientRequest, ClientNotification, ServerRequest, ServerNotification of schema/<version>/schema.ts).
 * The proxy forwards nothing else: method names are compared exactly (case-sensitive), so a mis-cased spec
 * method or a vendor method is refused unless a policy pack names it as an extension. Pure data.
 */

type MethodSets = {
  hostRequests: ReadonlySet<string>;
  hostNotifications: ReadonlySet<string>;
  serverRequests: ReadonlySet<string>;
  serverNotifications: ReadonlySet<string>;
};

const CORE_2024 = [
  'initialize',
  'ping',
  'completion/complete',
  'logging/setLevel',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'tools/list',
  'tools/call',
];
const HOST_NOTIFICATIONS_2024 = [
  'notifications/cancelled',
  'notifications/progress',
  'notifications/initialized',
  'notifications/roots/list_changed',
];
const SERVER_REQUESTS_2024 = ['ping', 'sampling/createMessage', 'roots/list'];
const SERVER_NOTIFICATIONS_2024 = [
  'notifications/cancelled',
  'notifications/progress',
  'notifications/message',
  'notifications/resources/updated',
  'notifications/resources/list_changed',
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
];
const TASKS = ['tasks/get', 'tasks/result', 'tasks/list', 'tasks/cancel'];

const sets = (m: { [K in keyof MethodSets]: string[] }): MethodSets => ({
  hostRequests: new Set(m.hostRequests),
  hostNotifications: new Set(m.hostNotifications),
  serverRequests: new Set(m.serverRequests),
  serverNotifications: new Set(m.serverNotifications),
});

const V2024 = sets({
  hostRequests: CORE_2024,
  hostNotifications: HOST_NOTIFICATIONS_2024,
  serverRequests: SERVER_REQUESTS_2024,
  serverNotifications: SERVER_NOTIFICATIONS_2024,
});
const V2025_06 = sets({
  hostRequests: CORE_2024,
  hostNotifications: HOST_NOTIFICATIONS_2024,
  serverRequests: [...SERVER_REQUESTS_2024, 'elicitation/create'],
  serverNotifications: SERVER_NOTIFICATIONS_2024,
});
const V2025_11 = sets({
  hostRequests: [...CORE_2024, ...TASKS],
  hostNotifications: [...HOST_NOTIFICATIONS_2024, 'notifications/tasks/status'],
  serverRequests: [...SERVER_REQUESTS_2024, 'elicitation/create', ...TASKS],
  serverNotifications: [
    ...SERVER_NOTIFICATIONS_2024,
    'notifications/elicitation/complete',
    'notifications/tasks/status',
  ],
});
const V2026_07 = sets({
  hostRequests: [
    'server/discover',
    'completion/complete',
    'prompts/list',
    'prompts/get',
    'resources/list',
    'resources/templates/list',
    'resources/read',
    'subscriptions/listen',
    'tools/list',
    'tools/call',
  ],
  hostNotifications: ['notifications/cancelled'],
  serverRequests: [],
  serverNotifications: [...SERVER_NOTIFICATIONS_2024, 'notifications/subscriptions/acknowledged'],
});
/** Before a version is known (no initialize yet, or one the proxy does not know): only the handshake. */
const UNNEGOTIATED = sets({
  hostRequests: ['initialize', 'ping', 'server/discover'],
  hostNotifications: ['notifications/cancelled', 'notifications/progress'],
  serverRequests: ['ping'],
  serverNotifications: ['notifications/cancelled', 'notifications/progress', 'notifications/message'],
});

/** The protocol versions whose method lists the proxy knows. */
export const METHOD_TABLES: Readonly<Record<string, MethodSets>> = {
  '2024-11-05': V2024,
  '2025-03-26': V2024,
  '2025-06-18': V2025_06,
  '2025-11-25': V2025_11,
  '2026-07-28': V2026_07,
};

/** The `_meta` key a 2026-07-28 request names its protocol version with. */
export const PROTOCOL_VERSION_META = 'io.modelcontextprotocol/protocolVersion';

export type MessageRole = 'hostRequests' | 'hostNotifications' | 'serverRequests' | 'serverNotifications';

/**
 * True when `method` is defined for this direction and message type by `version` (unknown or undefined
 * versions allow only the handshake), or is one of the extension methods a policy pack named.
 */
export function isMethodAllowed(
  version: string | undefined,
  role: MessageRole,
  method: string,
  extensions: ReadonlySet<string>,
): boolean {
  const table =
    (version !== undefined && Object.hasOwn(METHOD_TABLES, version) ? METHOD_TABLES[version] : undefined) ??
    UNNEGOTIATED;
  return table[role].has(method) || extensions.has(method);
}
