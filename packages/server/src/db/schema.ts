import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them. Times are epoch milliseconds (bigint in PostgreSQL, integer in
 * SQLite) so both engines compare and index them the same way; ids are UUIDv7 text.
 */
export interface AgentsTable {
  id: string;
  name: string;
  status: 'active' | 'suspended';
  /** IANA time zone of the agent's day and month buckets (default Europe/London). */
  time_zone: string;
  /** The region its homes use when their order names none; null: the platform default. */
  region: string | null;
  created_at: number;
  updated_at: number;
  revision: number;
}

export type Role = 'operator' | 'admin' | 'editor' | 'viewer';

export interface UsersTable {
  id: string;
  agent_id: string | null;
  username: string;
  email: string | null;
  name: string;
  role: Role;
  password_hash: string;
  status: 'active' | 'disabled';
  created_at: number;
  updated_at: number;
  revision: number;
  /** Non-admins: 'all' the agent's homes, or only those of the groups in user_home_groups. */
  home_access: 'all' | 'groups';
}

export interface OAuthTokensTable {
  /** SHA-256 of the token, hex: the token itself is never stored. */
  token_hash: string;
  kind: 'access' | 'refresh';
  client_id: string;
  user_id: string | null;
  /** Every token minted from one login shares a family, so a replayed refresh token revokes them all. */
  family_id: string;
  scope: string;
  expires_at: number;
  revoked_at: number | null;
  created_at: number;
}

export interface LoginThrottleTable {
  key: string;
  tokens: number;
  updated_at: number;
}

export interface KnownLoginsTable {
  user_id: string;
  address: string;
  last_success_at: number;
}

export interface MailOutboxTable {
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: number;
  /** A worker's lease on the message while it sends it, so two workers never send one message twice. */
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface InvitationsTable {
  id: string;
  agent_id: string;
  email: string;
  name: string | null;
  role: Exclude<Role, 'operator'>;
  token_hash: string;
  expires_at: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  accepted_at: number | null;
  accepted_user_id: string | null;
  revoked_at: number | null;
  mail_id: string | null;
  revision: number;
  /** Acceptances refused for a taken username: the tries left (a token bucket), null when never. */
  probe_tokens: number | null;
  probe_at: number | null;
}

/** One emailed password reset: the token is kept only as its SHA-256 digest. */
export interface PasswordResetsTable {
  id: string;
  user_id: string;
  token_hash: string;
  expires_at: number;
  created_at: number;
  /** When the token was used, or made void by a later reset of the same user. */
  used_at: number | null;
  mail_id: string | null;
}

export interface AuditEventsTable {
  id: string;
  /** The agent the change belongs to; null for platform-level events. */
  agent_id: string | null;
  actor_id: string | null;
  actor_username: string | null;
  actor_role: string | null;
  /** What happened, as `<kind>.<verb>`: agent.created, user.updated, invitation.revoked, … */
  action: string;
  target_type: string;
  target_id: string | null;
  /** JSON: the changed fields (never secrets or personal data beyond what identifies the target). */
  details: string;
  address: string | null;
  at: number;
}

export interface OrdersTable {
  id: string;
  agent_id: string;
  reference: string;
  status: 'draft' | 'provisioned' | 'cancelled';
  postcode: string | null;
  /** JSON: the order as the agent wrote it (property, occupant, installation, meters, services). */
  document: string;
  home_id: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  submitted_at: number | null;
  revision: number;
}

export interface HomesTable {
  id: string;
  agent_id: string;
  order_id: string;
  reference: string;
  status: 'active' | 'decommissioned';
  postcode: string | null;
  technology: string | null;
  /** JSON: address lines, town, postcode, country, UPRN, coordinates. */
  address: string;
  /** JSON: occupant contact (personal data); null once erased. */
  occupant: string | null;
  /** JSON: technology, make, model, capacity and the design figures. */
  installation: string;
  created_at: number;
  updated_at: number;
  decommissioned_at: number | null;
  occupant_erased_at: number | null;
  /** The regional series the home uses (weather, carbon intensity); null: the platform default. */
  region: string | null;
  revision: number;
}

export interface MetersTable {
  id: string;
  home_id: string;
  serial: string;
  kind: string;
  /** JSON: how it is read (push, mqtt, poll with url), interval, what it measures. */
  settings: string;
  created_at: number;
}

export interface ChannelsTable {
  id: string;
  meter_id: string;
  home_id: string;
  key: string;
  quantity: string;
  unit: string;
  kind: 'register' | 'instantaneous';
  created_at: number;
}

export interface ProvisioningTable {
  id: string;
  home_id: string;
  service: 'amr' | 'insight' | 'performance' | 'fault_management';
  status: 'pending' | 'active' | 'suspended' | 'failed';
  settings: string;
  created_at: number;
  updated_at: number;
  revision: number;
}

export interface HomeGroupsTable {
  id: string;
  agent_id: string;
  name: string;
  created_at: number;
  updated_at: number;
  revision: number;
}

export interface GatewayClientsTable {
  /** The OAuth2 client_id (and MQTT username) of the home's gateway. */
  id: string;
  home_id: string;
  agent_id: string;
  /** no_secret until an admin issues one; revoked: no token or MQTT login until a new secret. */
  status: 'no_secret' | 'active' | 'revoked';
  /** SHA-256 of the secret (a 256-bit random value, so no slow hash is needed). */
  secret_hash: string | null;
  secret_issued_at: number | null;
  last_used_at: number | null;
  created_at: number;
  updated_at: number;
  revision: number;
}

/** What an integration client may do: read the agent's data, or read and write it as an editor. */
export type IntegrationClientAccess = 'read' | 'read_write';

export interface IntegrationClientsTable {
  /** The OAuth2 client_id. */
  id: string;
  agent_id: string;
  /** What it is for, unique within the agent ("Grafana", "nightly export"). */
  name: string;
  access: IntegrationClientAccess;
  /** SHA-256 of the secret (256 random bits, so no slow hash is needed). */
  secret_hash: string;
  secret_issued_at: number;
  last_used_at: number | null;
  /** The admin who created it (kept when they leave: the client is the agent's, not theirs). */
  created_by: string | null;
  created_at: number;
  updated_at: number;
  revision: number;
}

export interface TelemetrySeriesTable {
  no: Generated<number>;
  channel_id: string;
  home_id: string;
  first_t: number | null;
  last_t: number | null;
  last_v: number | null;
}

export interface ReadingsTable {
  series: number;
  t: number;
  value: number;
}

/** One bucket of one series: the aggregates of the raw readings whose time falls in it. */
export interface RollupsTable {
  series: number;
  /** Start of the bucket, epoch ms: a UTC hour, or local midnight of the agent's time zone. */
  bucket: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  first_t: number;
  first_v: number;
  last_t: number;
  last_v: number;
  /** Registers: the increase over the bucket's readings (see telemetry/store.ts for resets). */
  delta: number;
}

/** A channel's readings over [from_t, to_t) left out of rollups, queries and analytics (telemetry/exclusions.ts). */
export interface TelemetryExclusionsTable {
  id: string;
  home_id: string;
  channel_id: string;
  /** telemetry_series.no of the channel */
  series: number;
  from_t: number;
  to_t: number;
  reason: string;
  created_by: string | null;
  created_by_username: string | null;
  created_at: number;
  revision: number;
}

export interface PollStateTable {
  meter_id: string;
  lease_owner: string | null;
  lease_until: number;
  next_due: number;
  failures: number;
  last_attempt_at: number | null;
  last_success_at: number | null;
  last_error: string | null;
}

export type Fuel = 'electricity' | 'gas' | 'heat' | 'electricity_export';

export interface TariffsTable {
  id: string;
  agent_id: string;
  name: string;
  fuel: Fuel;
  currency: string;
  /** Minor units (pence) per day. */
  standing_charge: number;
  /** Minor units per kWh of a flat tariff; null for time-of-use. */
  unit_rate: number | null;
  /** JSON `[{from, to, rate}]` of a time-of-use tariff; null for flat. */
  bands: string | null;
  /** kgCO2e per kWh. */
  carbon_factor: number;
  valid_from: string | null;
  valid_to: string | null;
  /** 1 for the agent's default tariff of its fuel. */
  is_default: number;
  created_at: number;
  updated_at: number;
  revision: number;
}

export interface HomeTariffsTable {
  home_id: string;
  fuel: Fuel;
  tariff_id: string;
}

export interface HomeTariffSetsTable {
  home_id: string;
  updated_at: number;
  revision: number;
}

export interface CarbonIntensityTable {
  region: string;
  /** Start of the half hour, epoch ms. */
  t: number;
  g_per_kwh: number;
}

export interface RegionsTable {
  /** The region's short name, e.g. GB, north-wales. */
  id: string;
  created_at: number;
  updated_at: number;
  /** Moves on with every series loaded (the ETag of its series). */
  revision: number;
}

export interface RegionWeatherTable {
  region: string;
  /** Local date, YYYY-MM-DD. */
  date: string;
  /** Daily mean outdoor temperature, °C. */
  mean_c: number;
}

export interface AlarmsTable {
  id: string;
  agent_id: string;
  home_id: string;
  rule: string;
  severity: 'critical' | 'major' | 'minor' | 'warning';
  state: 'active' | 'cleared';
  summary: string;
  /** JSON Evidence (faults/rules/types.ts) of the latest occurrence. */
  evidence: string | null;
  channel_id: string | null;
  raised_at: number;
  /** when the episode's condition began (at or before raised_at); null for alarms from before 0014 */
  condition_since: number | null;
  last_seen_at: number;
  cleared_at: number | null;
  /** 'auto' or the id of the user who cleared it. */
  cleared_by: string | null;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  note: string | null;
  occurrences: number;
  created_at: number;
  updated_at: number;
  revision: number;
}

export interface AlarmEventsTable {
  id: string;
  alarm_id: string;
  type: string;
  at: number;
  actor: string | null;
  /** JSON: what changed (note, evidence, severity). */
  detail: string | null;
}

export interface FaultEvaluationsTable {
  home_id: string;
  agent_id: string;
  evaluated_to: number;
  due_at: number;
  lease_owner: string | null;
  lease_until: number;
  touched_at: number | null;
  last_run_at: number | null;
  last_error: string | null;
}

export interface FaultSettingsTable {
  agent_id: string;
  /** JSON: { "<rule>.<parameter>": number } */
  thresholds: string;
  updated_at: number;
  revision: number;
}

export type WebhookStatus = 'active' | 'disabled';

export interface WebhooksTable {
  id: string;
  agent_id: string;
  url: string;
  description: string | null;
  /** Signs every delivery (HMAC-SHA256); shown once, at creation and on rotation. */
  secret: string;
  /** JSON lists: event types, severities, home group ids (empty: every home). */
  events: string;
  severities: string;
  group_ids: string;
  status: WebhookStatus;
  disabled_at: number | null;
  disabled_reason: string | null;
  consecutive_failures: number;
  failing_since: number | null;
  last_success_at: number | null;
  created_at: number;
  updated_at: number;
  revision: number;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  agent_id: string;
  /** Deliveries of a webhook for one home go in id order; null (a ping) is unordered. */
  home_id: string | null;
  event_id: string;
  event_type: string;
  /** The exact JSON body every attempt sends. */
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number;
  /** Retries stop here ('failed'); moved on when a disabled webhook is enabled again. */
  give_up_at: number;
  /** A worker's lease while it sends, so two workers never send one delivery at once. */
  locked_until: number | null;
  /** The HTTP status of the last attempt; null when there was no answer. */
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: number | null;
  created_at: number;
  delivered_at: number | null;
}

export interface NotificationSubscriptionsTable {
  id: string;
  agent_id: string;
  email: string;
  mode: 'immediate' | 'digest';
  /** JSON lists, as webhooks have them. */
  events: string;
  severities: string;
  group_ids: string;
  /** The last digest (or the creation): the next is due at the first digest hour after it. */
  last_digest_at: number;
  created_at: number;
  updated_at: number;
  revision: number;
}

export interface NotificationDigestItemsTable {
  id: string;
  subscription_id: string;
  event_id: string;
  /** The AlarmEvent as JSON. */
  event: string;
  created_at: number;
}

export interface DB {
  agents: AgentsTable;
  users: UsersTable;
  oauth_tokens: OAuthTokensTable;
  login_throttle: LoginThrottleTable;
  known_logins: KnownLoginsTable;
  mail_outbox: MailOutboxTable;
  invitations: InvitationsTable;
  audit_events: AuditEventsTable;
  password_resets: PasswordResetsTable;
  orders: OrdersTable;
  homes: HomesTable;
  meters: MetersTable;
  channels: ChannelsTable;
  provisioning: ProvisioningTable;
  home_groups: HomeGroupsTable;
  home_group_members: { group_id: string; home_id: string };
  user_home_groups: { user_id: string; group_id: string };
  gateway_clients: GatewayClientsTable;
  integration_clients: IntegrationClientsTable;
  telemetry_series: TelemetrySeriesTable;
  readings: ReadingsTable;
  rollups_hour: RollupsTable;
  rollups_day: RollupsTable;
  telemetry_exclusions: TelemetryExclusionsTable;
  poll_state: PollStateTable;
  tariffs: TariffsTable;
  home_tariffs: HomeTariffsTable;
  home_tariff_sets: HomeTariffSetsTable;
  carbon_intensity: CarbonIntensityTable;
  regions: RegionsTable;
  region_weather: RegionWeatherTable;
  alarms: AlarmsTable;
  alarm_events: AlarmEventsTable;
  fault_evaluations: FaultEvaluationsTable;
  fault_settings: FaultSettingsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  notification_subscriptions: NotificationSubscriptionsTable;
  notification_digest_items: NotificationDigestItemsTable;
}

export type { Generated };
