/**
 * Types of every call and resource, derived from the server's OpenAPI document (generated/openapi.ts).
 * Nothing here restates a field by hand: when the server's schemas change, `npm run generate`
 * changes these types, and the drift test fails until it is run.
 */
import type { paths } from './generated/openapi.js';

export type { paths };

/** The operations' methods, in OpenAPI's spelling. */
export type Method = 'get' | 'put' | 'post' | 'delete';

/** Every path of the versioned API, relative to its version root (`/agents/{id}`). */
export type ApiPath = Exclude<keyof paths, `/oauth/${string}`>;

/** The methods a path answers. */
export type MethodOf<P extends ApiPath> = {
  [M in Method]: [NonNullable<paths[P][M]>] extends [never] ? never : M;
}[Method];

type Operation<P extends ApiPath, M extends MethodOf<P>> = NonNullable<paths[P][M]>;

/** The JSON body an operation takes. */
export type RequestBody<P extends ApiPath, M extends MethodOf<P>> =
  Operation<P, M> extends { requestBody: { content: { 'application/json': infer B } } }
    ? B
    : Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } }
      ? B
      : never;

/** The query parameters an operation takes (never, when it takes none). */
export type QueryOf<P extends ApiPath, M extends MethodOf<P>> =
  Operation<P, M> extends {
    parameters: { query?: infer Q };
  }
    ? [NonNullable<Q>] extends [never]
      ? never
      : NonNullable<Q>
    : never;

/** The path parameters (`{id}`) an operation takes. */
export type PathParamsOf<P extends ApiPath, M extends MethodOf<P>> =
  Operation<P, M> extends {
    parameters: { path: infer X };
  }
    ? [NonNullable<X>] extends [never]
      ? never
      : NonNullable<X>
    : never;

type JsonContent<R> = R extends { content: { 'application/json': infer B } } ? B : undefined;

/** What a successful answer carries: the 200 or 201 body, or undefined for 204. */
export type SuccessOf<P extends ApiPath, M extends MethodOf<P>> = {
  [S in keyof Operation<P, M>['responses']]: S extends 200 | 201 | 202 | 204
    ? JsonContent<Operation<P, M>['responses'][S]>
    : never;
}[keyof Operation<P, M>['responses']];

/** One page of a list: its items, and the cursor of the next page (null on the last). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

type ItemOf<L> = L extends { items: (infer T)[] } ? T : never;

/**
 * A list's filters: the operation's query without `cursor` (the iterator follows it) and with
 * `limit` optional (the page size; the server's default is 50).
 */
export type ListQuery<P extends ApiPath> = Omit<QueryOf<P, 'get' & MethodOf<P>>, 'limit' | 'cursor'> & {
  limit?: number;
};

export type Agent = SuccessOf<'/agents/{id}', 'get'>;
export type CreatedAgent = SuccessOf<'/agents', 'post'>;
export type CreateAgentInput = RequestBody<'/agents', 'post'>;
export type UpdateAgentInput = RequestBody<'/agents/{id}', 'put'>;
export type AgentListQuery = ListQuery<'/agents'>;
export type AgentStatus = Agent['status'];

export type User = SuccessOf<'/users/{id}', 'get'>;
export type UpdateUserInput = RequestBody<'/users/{id}', 'put'>;
export type UserListQuery = ListQuery<'/users'>;
export type Role = User['role'];
export type ChangePasswordInput = RequestBody<'/users/me/password', 'put'>;

export type Invitation = SuccessOf<'/invitations/{id}', 'get'>;
export type CreateInvitationInput = RequestBody<'/invitations', 'post'>;
export type AcceptInvitationInput = RequestBody<'/invitations/acceptance', 'post'>;
export type InvitationListQuery = ListQuery<'/invitations'>;

export type PasswordResetRequestInput = RequestBody<'/password-resets', 'post'>;
export type PasswordResetConfirmInput = RequestBody<'/password-resets/confirmation', 'post'>;

export type AuditEvent = ItemOf<SuccessOf<'/audit-events', 'get'>>;
export type AuditListQuery = ListQuery<'/audit-events'>;

/** The token endpoint's answer (RFC 6749 §5.1). */
export type TokenResponse = NonNullable<
  paths['/oauth/token']['post']['responses'][200]['content']
>['application/json'];

export type Order = SuccessOf<'/orders/{id}', 'get'>;
export type CreateOrderInput = RequestBody<'/orders', 'post'>;
export type UpdateOrderInput = RequestBody<'/orders/{id}', 'put'>;
export type OrderListQuery = ListQuery<'/orders'>;
/** What submitting an order answers: the order, and the home it created (the same home when submitted again). */
export type OrderSubmission = SuccessOf<'/orders/{id}/submission', 'post'>;

export type Home = SuccessOf<'/homes/{id}', 'get'>;
export type HomeListItem = ItemOf<SuccessOf<'/homes', 'get'>>;
export type UpdateHomeInput = RequestBody<'/homes/{id}', 'put'>;
export type HomeListQuery = ListQuery<'/homes'>;
export type Meter = ItemOf<SuccessOf<'/homes/{id}/meters', 'get'>>;

export type ProvisioningDefinition = SuccessOf<'/homes/{id}/provisioning/{provisioningId}', 'get'>;
export type CreateProvisioningInput = RequestBody<'/homes/{id}/provisioning', 'post'>;
export type UpdateProvisioningInput = RequestBody<'/homes/{id}/provisioning/{provisioningId}', 'put'>;

export type HomeGroup = SuccessOf<'/home-groups/{id}', 'get'>;
export type CreateHomeGroupInput = RequestBody<'/home-groups', 'post'>;
export type UpdateHomeGroupInput = RequestBody<'/home-groups/{id}', 'put'>;

/** One reading as pushed: a channel id (from `homes.meters()`), an RFC 3339 time with an offset, a value. */
export type Reading = RequestBody<'/telemetry', 'post'>['readings'][number];
/** A reading to push; `time` may also be a Date (sent as RFC 3339 UTC). */
export type ReadingInput = Omit<Reading, 'time'> & { time: string | Date };
/** What a push answers: counts, and each refused reading with its index in the request. */
export type PushResult = SuccessOf<'/telemetry', 'post'>;
export type ReadingRefusal = PushResult['refused'][number];
export type RefusalReason = ReadingRefusal['reason'];

type TelemetryQueryParams = QueryOf<'/homes/{id}/telemetry', 'get'>;
export type TelemetryResolution = NonNullable<TelemetryQueryParams['resolution']>;
export type TelemetryAggregation = NonNullable<TelemetryQueryParams['agg']>;
/**
 * A telemetry query: the route's parameters, with `channels` also as an array and `from`/`to` also
 * as Dates. Every field is optional: all channels, the last day, raw readings.
 */
export type TelemetryQuery = Omit<TelemetryQueryParams, 'channels' | 'from' | 'to'> & {
  channels?: string | readonly string[];
  from?: string | Date;
  to?: string | Date;
};
/** A home's series: one entry per channel, each with its points (raw readings or buckets). */
export type TelemetrySeries = SuccessOf<'/homes/{id}/telemetry', 'get'>;
export type ChannelSeries = TelemetrySeries['channels'][number];
export type TelemetryPoint = ChannelSeries['points'][number];
/** The newest reading of each of a home's channels (time and value null when it has none yet). */
export type LatestTelemetry = SuccessOf<'/homes/{id}/telemetry/latest', 'get'>;
export type LatestReading = LatestTelemetry['channels'][number];
/**
 * An exclusion of readings: a channel's readings over [from, to) that stay stored but leave the
 * rollups, queries (unless `includeExcluded`), analytics and fault rules while it exists.
 */
export type TelemetryExclusion = SuccessOf<'/homes/{id}/telemetry/exclusions/{exclusionId}', 'get'>;
/** A new exclusion; `from` and `to` may also be Dates (sent as RFC 3339 UTC). */
export type CreateTelemetryExclusionInput = Omit<
  RequestBody<'/homes/{id}/telemetry/exclusions', 'post'>,
  'from' | 'to'
> & { from: string | Date; to: string | Date };
export type TelemetryExclusionListQuery = ListQuery<'/homes/{id}/telemetry/exclusions'>;

/** A home's gateway: its OAuth2 client id, status, token URL and MQTT topics (never the secret). */
export type Gateway = SuccessOf<'/homes/{id}/gateway', 'get'>;
export type GatewayStatus = Gateway['status'];
/** A newly issued gateway secret, with the gateway: `clientSecret` is shown this once. */
export type GatewaySecret = SuccessOf<'/homes/{id}/gateway/secret', 'post'>;

type PerformanceQueryParams = QueryOf<'/homes/{id}/performance', 'get'>;
/** The periods of a performance or insight table, in the agent's local calendar. */
export type AnalysisPeriod = NonNullable<PerformanceQueryParams['period']>;
/** A SEPEMO boundary, H1 (the heat pump alone) to H4 (with backup heater and pumps). */
export type SepemoBoundary = NonNullable<PerformanceQueryParams['boundary']>;
/**
 * A performance query: the route's parameters, with `from`/`to` also as Dates. Every field is
 * optional: the last 30 local days, by month, at the widest boundary the meters support.
 */
export type PerformanceQuery = Omit<PerformanceQueryParams, 'from' | 'to'> & {
  from?: string | Date;
  to?: string | Date;
};
/** A home's heat pump performance: COP per period, SPF and more over the window. */
export type Performance = SuccessOf<'/homes/{id}/performance', 'get'>;
export type PerformancePeriod = Performance['periods'][number];
export type PerformanceWindow = Performance['window'];
export type PerformanceQuality = PerformanceWindow['quality'];

type InsightQueryParams = QueryOf<'/homes/{id}/insight', 'get'>;
/** An insight query: the route's parameters, with `from`/`to` also as Dates; all optional. */
export type InsightQuery = Omit<InsightQueryParams, 'from' | 'to'> & {
  from?: string | Date;
  to?: string | Date;
};
/** A home's energy, cost, carbon and degree days per period, with last year and its energy signature. */
export type Insight = SuccessOf<'/homes/{id}/insight', 'get'>;
export type InsightPeriod = Insight['periods'][number];
export type InsightWindow = Insight['window'];
export type EnergySignature = NonNullable<InsightWindow['signature']>;

type FleetParams = QueryOf<'/fleet', 'get'>;
/**
 * A fleet table query: the route's filters with `connection` also as an array and every field
 * optional (all homes you may see, by reference, 50 rows).
 */
export type FleetQuery = Omit<FleetParams, 'connection' | 'limit'> & {
  connection?: string | readonly FleetConnectionFilter[];
  limit?: number;
};
/** One page of the fleet table, with the total, counts by connection, facets and the SPF window. */
export type FleetPage = SuccessOf<'/fleet', 'get'>;
export type FleetRow = FleetPage['items'][number];
/** A home's connection: the worst state of its meters, or `decommissioned`. */
export type FleetConnection = FleetRow['connection'];
/** What `connection` may filter by. */
export type FleetConnectionFilter = Exclude<FleetConnection, 'decommissioned'>;
export type FleetSort = NonNullable<FleetParams['sort']>;
export type FleetFacets = FleetPage['facets'];

type PortfolioPerformanceParams = QueryOf<'/portfolio/performance', 'get'>;
/**
 * A portfolio performance query: the route's filters with `from`/`to` also as Dates and every field
 * optional (the last 30 local days, each home at its widest boundary, by SPF, 50 rows).
 */
export type PortfolioPerformanceQuery = Omit<PortfolioPerformanceParams, 'from' | 'to' | 'limit'> & {
  from?: string | Date;
  to?: string | Date;
  limit?: number;
};
/** One page of the performance league table, with the distributions and the homes furthest below design. */
export type PortfolioPerformance = SuccessOf<'/portfolio/performance', 'get'>;
export type PortfolioPerformanceRow = PortfolioPerformance['items'][number];
/** min, q1, median, q3, max of one figure over the homes that have it (null: none has it). */
export type Distribution = PortfolioPerformance['summary']['spf'];

type PortfolioInsightParams = QueryOf<'/portfolio/insight', 'get'>;
/** A portfolio insight query: as the performance one, sorted by `electricity`, `heat`, `gas` or `pv`. */
export type PortfolioInsightQuery = Omit<PortfolioInsightParams, 'from' | 'to' | 'limit'> & {
  from?: string | Date;
  to?: string | Date;
  limit?: number;
};
/** One page of the energy table of the homes, with the distribution of each fuel. */
export type PortfolioInsight = SuccessOf<'/portfolio/insight', 'get'>;
export type PortfolioInsightRow = PortfolioInsight['items'][number];

type MonthlyReportParams = QueryOf<'/homes/{id}/reports/monthly', 'get'>;
/** The monthly report's options besides the month: the COP table's rows, boundary, coverage, reference year. */
export type MonthlyReportQuery = Omit<MonthlyReportParams, 'month'>;
/** A home's monthly report as a document: the month's performance and insight, the home, data quality per meter. */
export type MonthlyReport = SuccessOf<'/homes/{id}/reports/monthly', 'get'>;
export type MeterCoverage = MonthlyReport['dataQuality']['meters'][number];

export type Tariff = SuccessOf<'/tariffs/{id}', 'get'>;
export type TariffFuel = Tariff['fuel'];
export type TariffBand = NonNullable<Tariff['bands']>[number];
export type CreateTariffInput = RequestBody<'/tariffs', 'post'>;
export type UpdateTariffInput = RequestBody<'/tariffs/{id}', 'put'>;
export type TariffListQuery = ListQuery<'/tariffs'>;
/** The tariff of each fuel a home uses on a date, and where it comes from (`home`, `agent_default`, `none`). */
export type HomeTariffs = SuccessOf<'/homes/{id}/tariffs', 'get'>;
export type HomeTariff = HomeTariffs['items'][number];
/** A home's own tariffs, one per fuel at most; `{ overrides: [] }` clears them. */
export type SetHomeTariffsInput = RequestBody<'/homes/{id}/tariffs', 'put'>;

/** A region and the series loaded for it (`weather`, `carbonIntensity`: first, last, how many; null: none). */
export type Region = SuccessOf<'/regions', 'get'>['items'][number];
/** A region's daily mean outdoor temperatures with their degree days. */
export type WeatherSeries = SuccessOf<'/regions/{id}/weather', 'get'>;
export type WeatherQuery = QueryOf<'/regions/{id}/weather', 'get'>;
/** A region's half-hourly grid carbon intensity, gCO2e/kWh. */
export type CarbonIntensitySeries = SuccessOf<'/regions/{id}/carbon-intensity', 'get'>;
export type CarbonIntensityQuery = QueryOf<'/regions/{id}/carbon-intensity', 'get'>;
/** What a series upload stored: how many days or half hours, the first and last of the file. */
export type SeriesImport = SuccessOf<'/regions/{id}/weather', 'put'>;

type AlarmListParams = QueryOf<'/alarms', 'get'>;
/**
 * An alarms query: the route's filters, every one optional; `severity` and `rule` also as arrays,
 * `from`/`to` (raised at or after / before) also as Dates.
 */
export type AlarmListQuery = Omit<
  AlarmListParams,
  'limit' | 'cursor' | 'severity' | 'rule' | 'from' | 'to'
> & {
  limit?: number;
  severity?: string | readonly AlarmSeverity[];
  rule?: string | readonly string[];
  from?: string | Date;
  to?: string | Date;
};
/** One home's alarms query: as AlarmListQuery without `homeId`, `groupId` and `agentId`. */
export type HomeAlarmListQuery = Omit<AlarmListQuery, 'homeId' | 'groupId' | 'agentId'>;
/** An alarm as lists show it: rule, severity, state, summary, evidence, acknowledgement, note. */
export type Alarm = ItemOf<SuccessOf<'/alarms', 'get'>>;
export type AlarmSeverity = Alarm['severity'];
export type AlarmState = Alarm['state'];
/** The latest occurrence's proof: channel, span and the values behind the judgement. */
export type AlarmEvidence = NonNullable<Alarm['evidence']>;
/** One alarm with its history (raised, acknowledged, noted, cleared …). */
export type AlarmDetail = SuccessOf<'/alarms/{id}', 'get'>;
export type AlarmHistoryEntry = AlarmDetail['history'][number];
/** `{ acknowledged?, note? (null removes it), state?: 'cleared' }`, at least one. */
export type UpdateAlarmInput = RequestBody<'/alarms/{id}', 'put'>;
/** What judging a home now answers: instants judged, alarms raised and cleared. */
export type AlarmEvaluation = SuccessOf<'/homes/{id}/alarms/evaluate', 'post'>;
/** The fault rules with their parameters (default, value in force, unit) and the agent's thresholds. */
export type FaultRuleCatalogue = SuccessOf<'/fault-rules', 'get'>;
export type FaultRule = FaultRuleCatalogue['rules'][number];
export type FaultRuleParameter = FaultRule['parameters'][string];
/** `'<rule>.<parameter>': value`; `'<rule>.enabled': 0` turns a rule off. */
export type FaultThresholds = RequestBody<'/fault-rules', 'put'>['thresholds'];

/** A webhook as read: URL, filters, status and why it was disabled (never its secret). */
export type Webhook = SuccessOf<'/webhooks/{id}', 'get'>;
export type WebhookStatus = Webhook['status'];
/** A webhook as created or with its secret rotated: `secret` is shown this once, never again. */
export type WebhookWithSecret = SuccessOf<'/webhooks', 'post'>;
/** `{ url, description?, events?, severities?, groupIds? }` (the operator also names `agentId`). */
export type CreateWebhookInput = RequestBody<'/webhooks', 'post'>;
/** The fields to change; `status: 'active'` re-enables a disabled webhook, `description: null` removes it. */
export type UpdateWebhookInput = RequestBody<'/webhooks/{id}', 'put'>;
export type WebhookListQuery = ListQuery<'/webhooks'>;
/** An alarm event type a webhook or subscription may ask for (`alarm.raised`, …). */
export type NotificationEventType = NonNullable<CreateWebhookInput['events']>[number];
/** One delivery of a webhook's log: status, attempts, last answer or error, the payload sent. */
export type WebhookDelivery = SuccessOf<'/webhooks/{id}/ping', 'post'>;
export type WebhookDeliveryStatus = WebhookDelivery['status'];
export type WebhookDeliveryListQuery = ListQuery<'/webhooks/{id}/deliveries'>;

/** An agent's integration client as read (never its secret): name, access, when last used. */
export type IntegrationClient = SuccessOf<'/integration-clients/{id}', 'get'>;
/** `read`: every GET of the agent's data; `read_write`: also what an editor writes. */
export type IntegrationClientAccess = IntegrationClient['access'];
/** An integration client as created or rotated: `clientSecret` is shown this once, never again. */
export type IntegrationClientWithSecret = SuccessOf<'/integration-clients', 'post'>;
/** `{ name, access }`. */
export type CreateIntegrationClientInput = RequestBody<'/integration-clients', 'post'>;
export type IntegrationClientListQuery = ListQuery<'/integration-clients'>;

/** An email subscription to alarm events: the address, `immediate` or `digest`, the filters. */
export type NotificationSubscription = SuccessOf<'/notification-subscriptions/{id}', 'get'>;
export type NotificationMode = NotificationSubscription['mode'];
export type CreateNotificationSubscriptionInput = RequestBody<'/notification-subscriptions', 'post'>;
export type UpdateNotificationSubscriptionInput = RequestBody<'/notification-subscriptions/{id}', 'put'>;
export type NotificationSubscriptionListQuery = ListQuery<'/notification-subscriptions'>;
