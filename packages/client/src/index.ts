/**
 * @hearth/client: the Hearth platform SDK for Node 20+ and browsers. See README.md.
 * Node-only file stores for tokens and version moves: `@hearth/client/node`.
 */
export {
  type CallOptions,
  HearthClient,
  type HearthClientOptions,
  type RequestOptions,
  type WriteOptions,
} from './client.js';
export {
  ApiVersionGoneError,
  AuthenticationError,
  ConflictError,
  type FieldProblem,
  HearthApiError,
  HearthConnectionError,
  HearthError,
  InvalidRequestError,
  NotFoundError,
  NotLoggedInError,
  OAuthError,
  PayloadTooLargeError,
  PermissionError,
  PreconditionFailedError,
  type ProblemDetails,
  RateLimitError,
  RedirectError,
  ServerError,
  UnprocessableEntityError,
} from './errors.js';
export { PageIterator } from './paging.js';
export { AgentsResource } from './resources/agents.js';
export {
  AlarmsResource,
  FaultRulesResource,
  type FaultRulesWriteOptions,
  type TaggedAlarm,
  type TaggedCatalogue,
} from './resources/alarms.js';
export { AuditResource } from './resources/audit.js';
export { FleetResource } from './resources/fleet.js';
export { GatewaysResource } from './resources/gateways.js';
export { HomeGroupsResource } from './resources/home-groups.js';
export { HomesResource } from './resources/homes.js';
export { InsightResource } from './resources/insight.js';
export {
  IntegrationClientsResource,
  type TaggedIntegrationClient,
  type TaggedIntegrationClientWithSecret,
} from './resources/integration-clients.js';
export { InvitationsResource } from './resources/invitations.js';
export {
  NotificationSubscriptionsResource,
  type TaggedSubscription,
} from './resources/notification-subscriptions.js';
export { OrdersResource } from './resources/orders.js';
export { PasswordResetsResource } from './resources/password-resets.js';
export { PerformanceResource } from './resources/performance.js';
export { PortfolioResource } from './resources/portfolio.js';
export { ProvisioningResource } from './resources/provisioning.js';
export { RegionsResource } from './resources/regions.js';
export { type MonthlyReportOptions, type ReportFormat, ReportsResource } from './resources/reports.js';
export { TariffsResource } from './resources/tariffs.js';
export { MAX_READINGS_PER_PUSH, TelemetryResource } from './resources/telemetry.js';
export { UsersResource } from './resources/users.js';
export {
  type TaggedWebhook,
  type TaggedWebhookWithSecret,
  WebhooksResource,
} from './resources/webhooks.js';
export {
  type Awaitable,
  MemoryTokenStore,
  MemoryVersionStore,
  type TokenSet,
  type TokenStore,
  type VersionStore,
} from './stores.js';
export type { ApiResponse, FetchLike, VersionMove } from './transport.js';
export type * from './types.js';
export { API_VERSION, SDK_VERSION } from './version.js';
