import type { DB } from './db/schema.js';

/**
 * The server's features: folders of `src/` that own tables, and which tables each owns. A feature's
 * SQL names only its own tables, and other code reaches its data through its service
 * (docs/architecture.md, "Features and their boundaries"; test/architecture/boundaries.test.ts
 * reads this map). A feature with no table owns logic over other features' public services.
 */
export const TABLES_OF = {
  agents: ['agents'],
  amr: ['poll_state'],
  audit: ['audit_events'],
  auth: ['oauth_tokens', 'login_throttle', 'known_logins'],
  faults: ['alarms', 'alarm_events', 'fault_evaluations', 'fault_settings'],
  fleet: [],
  gateways: ['gateway_clients'],
  'home-groups': ['home_groups', 'home_group_members', 'user_home_groups'],
  homes: ['homes', 'meters', 'channels'],
  insights: [],
  'integration-clients': ['integration_clients'],
  invitations: ['invitations'],
  mail: ['mail_outbox'],
  notifications: ['notification_subscriptions', 'notification_digest_items'],
  // registering an agent with its first admin's invitation: an orchestration above both features
  onboarding: [],
  orders: ['orders'],
  'password-resets': ['password_resets'],
  performance: [],
  portfolio: [],
  provisioning: ['provisioning'],
  regions: ['regions', 'region_weather'],
  reports: [],
  tariffs: ['tariffs', 'home_tariffs', 'home_tariff_sets', 'carbon_intensity'],
  telemetry: ['telemetry_series', 'readings', 'rollups_hour', 'rollups_day', 'telemetry_exclusions'],
  users: ['users'],
  webhooks: ['webhooks', 'webhook_deliveries'],
} as const satisfies Record<string, readonly (keyof DB)[]>;

export type Feature = keyof typeof TABLES_OF;

/**
 * Shared infrastructure: no tables of its own, importable by every feature (connection and
 * migrations, HTTP plumbing, the pass loop, ops pages, versioning, the console's files, analytics'
 * shared calendar and window helpers, and the demo, which drives the API from above).
 */
export const INFRASTRUCTURE = [
  'analytics',
  'console',
  'db',
  'demo',
  'http',
  'jobs',
  'ops',
  'versioning',
] as const;
