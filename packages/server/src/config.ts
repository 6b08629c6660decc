import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import { parseVersionPolicy, type VersionPolicy } from './versioning/policy.js';

/**
 * Every setting an operator can give Hearth, as environment variables (or keys of the JSON file
 * named by HEARTH_CONFIG_FILE; the environment wins). The `description` of each field is what a
 * person sees when the value is refused, and what docs/operations.md lists.
 */
export const EnvSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1', minLength: 1, description: 'address to listen on' }),
  PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535, description: 'TCP port, 0-65535' }),
  DATA_DIR: Type.String({
    default: './data',
    minLength: 1,
    description: 'folder for the SQLite file and outbox',
  }),
  DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^(postgres|postgresql|sqlite)://',
      description:
        'postgres://user:pass@host:port/db, or sqlite://path/to/file.db; unset: DATA_DIR/hearth.db',
    }),
  ),
  TLS_CERT: Type.Optional(Type.String({ minLength: 1, description: 'path of a PEM certificate (chain)' })),
  TLS_KEY: Type.Optional(Type.String({ minLength: 1, description: 'path of the PEM private key' })),
  TRUST_PROXY: Type.String({
    default: 'false',
    pattern: '^(true|false|[0-9a-fA-F:.,/ ]+)$',
    description: 'false; true (a TLS proxy is in front); or a comma list of proxy addresses/CIDRs',
  }),
  HEARTH_OPERATOR_USERNAME: Type.String({
    default: 'operator',
    pattern: '^[A-Za-z0-9._@-]{3,64}$',
    description: 'platform operator username: 3-64 letters, digits, . _ @ -',
  }),
  HEARTH_OPERATOR_PASSWORD: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'platform operator password, 1-256 characters',
    }),
  ),
  HEARTH_OAUTH_CLIENTS: Type.String({
    default: '[{"id":"trusted","secret":"secret","grants":["password","refresh_token"]}]',
    description: 'JSON list of OAuth clients: [{"id","secret","grants":["password","refresh_token"]}]',
  }),
  HEARTH_ACCESS_TOKEN_TTL: Type.Integer({
    default: 3600,
    minimum: 1,
    maximum: 31_536_000,
    description: 'access token lifetime in seconds (1 to 31536000)',
  }),
  HEARTH_REFRESH_TOKEN_TTL: Type.Integer({
    default: 2_592_000,
    minimum: 60,
    maximum: 31_536_000,
    description: 'refresh token lifetime in seconds (60 to 31536000)',
  }),
  HEARTH_TOKEN_CACHE_SECONDS: Type.Integer({
    default: 5,
    minimum: 0,
    maximum: 60,
    description: 'how long an API node may cache a token check (0 to 60 s): revocation can lag by this much',
  }),
  HEARTH_API_VERSIONS: Type.String({
    default: '1=current',
    description: 'version policy, e.g. "1=current" or "1=moved:2,2=current" or "1=retired,2=current"',
  }),
  SMTP_URL: Type.Optional(
    Type.String({
      pattern: '^smtps?://',
      description:
        'smtp://user:pass@host:587 or smtps://…; unset: mail is written as .eml files into DATA_DIR/outbox',
    }),
  ),
  HEARTH_MAIL_FROM: Type.String({
    default: 'Hearth <hearth@localhost>',
    minLength: 3,
    description: 'the From of every email, e.g. "Hearth <noreply@example.com>"',
  }),
  HEARTH_MAIL_RETRY_SECONDS: Type.Number({
    default: 30,
    minimum: 0.01,
    maximum: 3600,
    description: 'first retry delay of a failed email in seconds; doubles per attempt up to an hour',
  }),
  HEARTH_MAIL_GIVE_UP_HOURS: Type.Number({
    default: 72,
    minimum: 0.001,
    maximum: 720,
    description: 'hours after which an undeliverable email is marked failed',
  }),
  HEARTH_PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s]+$',
      description:
        'the base URL users reach Hearth at, for links in emails; unset: derived from HOST and PORT',
    }),
  ),
  HEARTH_CORS_ORIGINS: Type.String({
    default: '',
    description:
      'web origins whose browser apps may call the API (CORS), comma separated (https://app.example.com), or *; empty: none',
  }),
  HEARTH_INVITATION_TTL_HOURS: Type.Number({
    default: 168,
    minimum: 0.001,
    maximum: 8760,
    description: 'how long an invitation can be accepted, in hours (default 7 days)',
  }),
  HEARTH_PASSWORD_RESET_TTL: Type.Integer({
    default: 1800,
    minimum: 60,
    maximum: 86_400,
    description: 'how long a password reset token works, in seconds (60 to 86400; default 30 minutes)',
  }),
  HEARTH_CONSOLE: Type.Union([Type.Literal('on'), Type.Literal('off')], {
    default: 'on',
    description: 'on or off: serve the web console at / (from HEARTH_CONSOLE_DIR)',
  }),
  HEARTH_CONSOLE_DIR: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'folder of the built web console (its index.html and assets/); unset: packages/web/dist of this checkout',
    }),
  ),
  HEARTH_DEMO: Type.Union([Type.Literal('on'), Type.Literal('off')], {
    default: 'on',
    description: 'on or off: load the demo agent and homes at start',
  }),
  HEARTH_DEMO_HOMES: Type.Integer({
    default: 20,
    minimum: 1,
    maximum: 200,
    description: 'how many simulated homes the demo orders (1-200)',
  }),
  HEARTH_DEMO_DAYS: Type.Number({
    default: 60,
    minimum: 0,
    maximum: 366,
    description: 'days of history the demo backfills on its first start (0-366)',
  }),
  HEARTH_MQTT: Type.Union([Type.Literal('embedded'), Type.Literal('off')], {
    default: 'embedded',
    description:
      'embedded (run an MQTT broker for gateways inside Hearth) or off; ignored when MQTT_URL is set',
  }),
  HEARTH_MQTT_PORT: Type.Integer({
    default: 1883,
    minimum: 0,
    maximum: 65535,
    description: 'TCP port of the embedded MQTT broker (on HOST), 0-65535; 0 picks a free port',
  }),
  MQTT_URL: Type.Optional(
    Type.String({
      pattern: '^(mqtt|mqtts|tcp|ssl|ws|wss)://',
      description:
        'an external broker (e.g. mqtt://hearth-amr:secret@broker:1883) the AMR service subscribes to with a shared subscription',
    }),
  ),
  HEARTH_WORKER_ID: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9._-]{1,64}$',
      description:
        'a stable name for this process among AMR workers (1-64 letters, digits, . _ -): its session on an external broker survives a restart; unset: host-pid-random',
    }),
  ),
  HEARTH_AMR_SCAN_SECONDS: Type.Number({
    default: 5,
    minimum: 0.05,
    maximum: 3600,
    description: 'how often the AMR service looks for provisioning changes and due polls, in seconds',
  }),
  HEARTH_FAULTS_SCAN_SECONDS: Type.Number({
    default: 60,
    minimum: 0.05,
    maximum: 3600,
    description:
      'how often every home with fault management is judged again, for rules about absence such as communication loss, in seconds',
  }),
  HEARTH_FAULTS_STREAM_DELAY_SECONDS: Type.Number({
    default: 5,
    minimum: 0,
    maximum: 3600,
    description:
      'how soon after readings arrive their home is judged, in seconds (readings arriving meanwhile share one evaluation)',
  }),
  HEARTH_FAULTS_REPLAY_DAYS: Type.Integer({
    default: 90,
    minimum: 0,
    maximum: 3650,
    description:
      'how much history (a backfill) the evaluator replays hour by hour on taking a home up, in days',
  }),
  HEARTH_POLL_TIMEOUT_SECONDS: Type.Number({
    default: 10,
    minimum: 0.05,
    maximum: 300,
    description: "how long a poll waits for a meter's answer, in seconds",
  }),
  HEARTH_TELEMETRY_MAX_POINTS: Type.Integer({
    default: 100_000,
    minimum: 100,
    maximum: 10_000_000,
    description: 'the most points one telemetry query may answer (a clear 400 beyond it)',
  }),
  HEARTH_WEBHOOK_TIMEOUT_SECONDS: Type.Number({
    default: 10,
    minimum: 0.05,
    maximum: 60,
    description: 'how long a webhook delivery waits for a 2xx answer, in seconds',
  }),
  HEARTH_WEBHOOK_RETRY_SECONDS: Type.Number({
    default: 30,
    minimum: 0.01,
    maximum: 3600,
    description:
      'first retry delay of a failed webhook delivery in seconds; doubles per attempt up to an hour',
  }),
  HEARTH_WEBHOOK_GIVE_UP_HOURS: Type.Number({
    default: 24,
    minimum: 0.0001,
    maximum: 720,
    description: 'hours after which an undelivered webhook event is marked failed',
  }),
  HEARTH_WEBHOOK_DISABLE_AFTER_FAILURES: Type.Integer({
    default: 10,
    minimum: 1,
    maximum: 10_000,
    description:
      'consecutive failed attempts (with HEARTH_WEBHOOK_DISABLE_AFTER_HOURS) that disable a webhook',
  }),
  HEARTH_WEBHOOK_DISABLE_AFTER_HOURS: Type.Number({
    default: 24,
    minimum: 0,
    maximum: 720,
    description: 'hours a webhook must have failed without one success before it is disabled (0: at once)',
  }),
  HEARTH_WEBHOOKS_ALLOW_PRIVATE: Type.Union([Type.Literal('true'), Type.Literal('false')], {
    default: 'false',
    description:
      'true: webhook URLs may point at loopback, link-local and private addresses (and use http there); false refuses them',
  }),
  HEARTH_NOTIFICATIONS_POLL_SECONDS: Type.Number({
    default: 1,
    minimum: 0.01,
    maximum: 3600,
    description:
      'how often the notifications worker looks for due webhook deliveries and digests, in seconds',
  }),
  HEARTH_DIGEST_HOUR: Type.Integer({
    default: 7,
    minimum: 0,
    maximum: 23,
    description: "the local hour (agent's time zone, 0-23) at which daily digest emails go out",
  }),
  HEARTH_DEFAULT_REGION: Type.String({
    default: 'GB',
    pattern: '^[\\w.-]{1,64}$',
    description:
      'the region (1-64 letters, digits, . _ -) whose weather and carbon intensity series apply to a home that names none',
  }),
  HEARTH_RATE_LIMIT: Type.Integer({
    default: 1200,
    minimum: 0,
    maximum: 1_000_000,
    description:
      'API requests one caller (a user or a gateway, whatever its tokens) may make per minute before 429 too_many_requests; 0: no limit',
  }),
  HEARTH_BODY_LIMIT: Type.Integer({
    default: 2_097_152,
    minimum: 1024,
    maximum: 104_857_600,
    description: 'largest request body in bytes (1024 to 104857600)',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'fatal, error, warn, info, debug, trace or silent' },
  ),
});
export type Env = Static<typeof EnvSchema>;

const OAuthClientSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128 }),
    secret: Type.String({ minLength: 1, maxLength: 512 }),
    grants: Type.Array(
      Type.Union([
        Type.Literal('password'),
        Type.Literal('refresh_token'),
        Type.Literal('client_credentials'),
      ]),
      { default: ['password', 'refresh_token'] },
    ),
  },
  { additionalProperties: false },
);
export type OAuthClient = Static<typeof OAuthClientSchema>;

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };
  tls?: { cert: string; key: string };
  trustProxy: boolean | string;
  operator: { username: string; password?: string };
  oauthClients: OAuthClient[];
  accessTokenTtl: number;
  refreshTokenTtl: number;
  tokenCacheSeconds: number;
  versions: VersionPolicy;
  demo: boolean;
  /** The demo's fleet size and history, on the first start (later starts reuse what exists). */
  demoFleet: { homes: number; days: number };
  mail: MailOptions;
  /** Base URL for links in emails, without a trailing slash. */
  publicUrl: string;
  /** Origins allowed to call the API from a browser (CORS); ['*'] any; [] none (no CORS headers). */
  corsOrigins: string[];
  invitationTtlHours: number;
  /** How long a password reset token works, in seconds (HEARTH_PASSWORD_RESET_TTL). */
  passwordResetTtl: number;
  /** The web console served at /, or undefined when HEARTH_CONSOLE=off (docs/operations.md). */
  console: { dir: string } | undefined;
  /** The region of a home that names none (docs/operations.md). */
  defaultRegion: string;
  bodyLimit: number;
  /** API requests per caller per minute (docs/operations.md); 0: unlimited. */
  rateLimitPerMinute: number;
  logLevel: string;
  amr: AmrConfig;
  notifications: NotificationsOptions;
  faults: FaultsConfig;
}

export interface FaultsConfig {
  scanIntervalMs: number;
  streamDelayMs: number;
  replayDays: number;
}

export interface AmrConfig {
  /** The broker gateways publish to: Hearth's own, an external one, or none. */
  mqtt: { kind: 'embedded'; port: number } | { kind: 'external'; url: string } | { kind: 'off' };
  /** Names this process's poll leases and its session on an external broker. */
  workerId?: string;
  scanIntervalMs: number;
  pollTimeoutMs: number;
  maxPoints: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** The console's build output in this checkout: packages/web/dist, beside this server package. */
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * The first-party web console's OAuth client: public (no secret), always present, never configured
 * (docs/api.md). Its refresh token travels only in an HttpOnly cookie.
 */
export const CONSOLE_CLIENT_ID = 'console';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
export const isLoopback = (host: string): boolean => LOOPBACK.test(host);

/** Settings whose values are never repeated in an error message: they hold credentials. */
const SECRET_KEYS = new Set(['HEARTH_OPERATOR_PASSWORD', 'HEARTH_OAUTH_CLIENTS', 'MQTT_URL']);

/** A value as an error message may show it: secrets withheld, a URL's password masked. */
function shown(key: string, value: unknown): string {
  if (SECRET_KEYS.has(key)) return '(value not shown: it holds a secret)';
  if (typeof value === 'string' && key === 'DATABASE_URL') {
    return JSON.stringify(value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@'));
  }
  return JSON.stringify(value);
}

/** Reads, validates and normalises the configuration; throws ConfigError naming every bad value. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const keys = Object.keys(EnvSchema.properties) as (keyof Env)[];
  let fileValues: Record<string, unknown> = {};
  if (env.HEARTH_CONFIG_FILE) {
    const where = `HEARTH_CONFIG_FILE=${JSON.stringify(env.HEARTH_CONFIG_FILE)}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(env.HEARTH_CONFIG_FILE, 'utf8'));
    } catch (err) {
      throw new ConfigError([`${where} cannot be read as JSON: ${(err as Error).message}`]);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError([`${where} must hold a JSON object of settings, e.g. {"PORT": 8080}`]);
    }
    fileValues = parsed as Record<string, unknown>;
    for (const key of Object.keys(fileValues)) {
      if (!keys.includes(key as keyof Env)) problems.push(`${where}: "${key}" is not a Hearth setting`);
    }
  }
  const raw: Record<string, unknown> = {};
  for (const key of keys) {
    const value = env[key] ?? fileValues[key];
    if (value === undefined || value === '') continue;
    // A file may give HEARTH_OAUTH_CLIENTS as a JSON list rather than a string holding one.
    const text = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
    // Numbers are plain decimals: "0x1F90" or "1e3" for a port is a typo, not a number.
    const type = (EnvSchema.properties[key] as { type?: string }).type;
    const numeric = type === 'integer' || type === 'number';
    raw[key] = numeric && /^\s*\d{1,15}(\.\d{1,15})?\s*$/.test(text) ? Number(text) : text;
  }
  const values = Value.Default(EnvSchema, raw) as Env;
  const bad = new Set<string>();
  for (const error of Value.Errors(EnvSchema, values)) {
    const key = error.instancePath.split('/')[1] ?? '';
    if (bad.has(key)) continue;
    bad.add(key);
    const field = EnvSchema.properties[key as keyof Env] as { description?: string } | undefined;
    problems.push(
      `${key}=${shown(key, raw[key])} is not valid: expected ${field?.description ?? error.message}`,
    );
  }
  // The checks below go on despite earlier problems, so one start lists everything to fix.

  let oauthClients: OAuthClient[] = [];
  if (!bad.has('HEARTH_OAUTH_CLIENTS')) {
    const problem = parseOAuthClients(values.HEARTH_OAUTH_CLIENTS);
    if (typeof problem === 'string') problems.push(`HEARTH_OAUTH_CLIENTS is not valid: ${problem}`);
    else oauthClients = problem;
  }

  let versions: VersionPolicy | undefined;
  if (!bad.has('HEARTH_API_VERSIONS')) {
    try {
      versions = parseVersionPolicy(values.HEARTH_API_VERSIONS);
    } catch (err) {
      problems.push(
        `HEARTH_API_VERSIONS=${JSON.stringify(values.HEARTH_API_VERSIONS)} is not valid: ${(err as Error).message}`,
      );
    }
  }

  let tls: Config['tls'];
  const tlsGiven = Boolean(values.TLS_CERT) || Boolean(values.TLS_KEY);
  if (Boolean(values.TLS_CERT) !== Boolean(values.TLS_KEY)) {
    const [given, missing] = values.TLS_CERT ? ['TLS_CERT', 'TLS_KEY'] : ['TLS_KEY', 'TLS_CERT'];
    const path = values.TLS_CERT ?? values.TLS_KEY;
    problems.push(
      `${given}=${JSON.stringify(path)} is set but ${missing} is not: TLS_CERT and TLS_KEY go together, ` +
        'set both to serve HTTPS, or neither',
    );
  } else if (values.TLS_CERT && values.TLS_KEY) {
    const files = `TLS_CERT=${JSON.stringify(values.TLS_CERT)}, TLS_KEY=${JSON.stringify(values.TLS_KEY)}`;
    try {
      tls = { cert: readFileSync(values.TLS_CERT, 'utf8'), key: readFileSync(values.TLS_KEY, 'utf8') };
      // Fails now, with the file names, rather than deep inside the HTTPS server at listen time.
      createSecureContext(tls);
    } catch (err) {
      tls = undefined;
      problems.push(`${files}: not a readable PEM certificate and matching key: ${(err as Error).message}`);
    }
  }

  const trustProxy = bad.has('TRUST_PROXY') ? false : parseTrustProxy(values.TRUST_PROXY);
  if (typeof trustProxy === 'string') {
    const wrong = trustProxy.split(',').filter((entry) => !isAddressOrCidr(entry));
    if (wrong.length > 0) {
      problems.push(
        `TRUST_PROXY=${JSON.stringify(values.TRUST_PROXY)} is not valid: ${wrong.join(', ')} is not an IP ` +
          'address or CIDR range; expected false, true, or a comma list of proxy addresses/CIDRs',
      );
    }
  }
  if (!bad.has('HOST') && !tlsGiven && trustProxy === false && !isLoopback(values.HOST)) {
    problems.push(
      `HOST=${values.HOST} is not a loopback address, and neither TLS_CERT/TLS_KEY nor TRUST_PROXY is set: ` +
        'Hearth will not serve tokens in the clear on a network. Give it a certificate (TLS_CERT, TLS_KEY), ' +
        'or set TRUST_PROXY when a TLS-terminating proxy is in front.',
    );
  }
  const corsOrigins = parseCorsOrigins(values.HEARTH_CORS_ORIGINS, problems);
  if (problems.length > 0 || !versions) throw new ConfigError(problems);

  const dataDir = path.resolve(values.DATA_DIR);
  let database: Config['database'];
  if (!values.DATABASE_URL) database = { kind: 'sqlite', file: path.join(dataDir, 'hearth.db') };
  else if (values.DATABASE_URL.startsWith('sqlite://')) {
    database = { kind: 'sqlite', file: path.resolve(values.DATABASE_URL.slice('sqlite://'.length)) };
  } else database = { kind: 'postgres', url: values.DATABASE_URL };

  return {
    host: values.HOST,
    port: values.PORT,
    dataDir,
    database,
    ...(tls ? { tls } : {}),
    trustProxy,
    operator: {
      username: values.HEARTH_OPERATOR_USERNAME,
      ...(values.HEARTH_OPERATOR_PASSWORD ? { password: values.HEARTH_OPERATOR_PASSWORD } : {}),
    },
    oauthClients,
    accessTokenTtl: values.HEARTH_ACCESS_TOKEN_TTL,
    refreshTokenTtl: values.HEARTH_REFRESH_TOKEN_TTL,
    tokenCacheSeconds: values.HEARTH_TOKEN_CACHE_SECONDS,
    versions,
    demo: values.HEARTH_DEMO === 'on',
    demoFleet: { homes: values.HEARTH_DEMO_HOMES, days: values.HEARTH_DEMO_DAYS },
    mail: {
      ...(values.SMTP_URL ? { smtpUrl: values.SMTP_URL } : {}),
      outboxDir: path.join(dataDir, 'outbox'),
      from: values.HEARTH_MAIL_FROM,
      retryBaseMs: values.HEARTH_MAIL_RETRY_SECONDS * 1000,
      giveUpAfterMs: values.HEARTH_MAIL_GIVE_UP_HOURS * 3_600_000,
      pollIntervalMs: 1000,
    },
    publicUrl: (
      values.HEARTH_PUBLIC_URL ??
      `${tls ? 'https' : 'http'}://${values.HOST.includes(':') ? `[${values.HOST}]` : values.HOST}:${values.PORT}`
    ).replace(/\/$/, ''),
    corsOrigins,
    invitationTtlHours: values.HEARTH_INVITATION_TTL_HOURS,
    passwordResetTtl: values.HEARTH_PASSWORD_RESET_TTL,
    console:
      values.HEARTH_CONSOLE === 'on'
        ? { dir: path.resolve(values.HEARTH_CONSOLE_DIR ?? DEFAULT_CONSOLE_DIR) }
        : undefined,
    defaultRegion: values.HEARTH_DEFAULT_REGION,
    bodyLimit: values.HEARTH_BODY_LIMIT,
    rateLimitPerMinute: values.HEARTH_RATE_LIMIT,
    logLevel: values.LOG_LEVEL,
    amr: {
      mqtt: values.MQTT_URL
        ? { kind: 'external', url: values.MQTT_URL }
        : values.HEARTH_MQTT === 'embedded'
          ? { kind: 'embedded', port: values.HEARTH_MQTT_PORT }
          : { kind: 'off' },
      ...(values.HEARTH_WORKER_ID ? { workerId: values.HEARTH_WORKER_ID } : {}),
      scanIntervalMs: values.HEARTH_AMR_SCAN_SECONDS * 1000,
      pollTimeoutMs: values.HEARTH_POLL_TIMEOUT_SECONDS * 1000,
      maxPoints: values.HEARTH_TELEMETRY_MAX_POINTS,
    },
    faults: {
      scanIntervalMs: values.HEARTH_FAULTS_SCAN_SECONDS * 1000,
      streamDelayMs: values.HEARTH_FAULTS_STREAM_DELAY_SECONDS * 1000,
      replayDays: values.HEARTH_FAULTS_REPLAY_DAYS,
    },
    notifications: {
      pollIntervalMs: values.HEARTH_NOTIFICATIONS_POLL_SECONDS * 1000,
      timeoutMs: values.HEARTH_WEBHOOK_TIMEOUT_SECONDS * 1000,
      retryBaseMs: values.HEARTH_WEBHOOK_RETRY_SECONDS * 1000,
      giveUpAfterMs: values.HEARTH_WEBHOOK_GIVE_UP_HOURS * 3_600_000,
      disableAfterFailures: values.HEARTH_WEBHOOK_DISABLE_AFTER_FAILURES,
      disableAfterMs: values.HEARTH_WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000,
      allowPrivateNetworks: values.HEARTH_WEBHOOKS_ALLOW_PRIVATE === 'true',
      digestHour: values.HEARTH_DIGEST_HOUR,
    },
  };
}

/** The OAuth client list, or what is wrong with it (never quoting it: it holds the secrets). */
function parseOAuthClients(text: string): OAuthClient[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'it is not JSON; expected a list like [{"id":"trusted","secret":"…","grants":["password","refresh_token"]}]';
  }
  const schema = Type.Array(OAuthClientSchema, { minItems: 1 });
  const clients = Value.Default(schema, parsed);
  const error = Value.Errors(schema, clients)[0];
  if (error) {
    return (
      `${error.instancePath || 'the list'}: ${error.message}; each client needs "id" and "secret", and ` +
      '"grants" from password, refresh_token, client_credentials'
    );
  }
  const ids = (clients as OAuthClient[]).map((c) => c.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) return `client id "${repeated}" is given twice`;
  if (ids.includes(CONSOLE_CLIENT_ID)) {
    return `client id "${CONSOLE_CLIENT_ID}" is reserved for the built-in web console client (public, no secret); give your client another id`;
  }
  return clients as OAuthClient[];
}

function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

function parseTrustProxy(value: string): boolean | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(',');
}

/**
 * HEARTH_CORS_ORIGINS: '*', or a comma list of origins, each exactly scheme://host[:port] as a
 * browser sends it in Origin (no path, no trailing slash); anything else is a problem naming it.
 */
function parseCorsOrigins(value: string, problems: string[]): string[] {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 1 && entries[0] === '*') return ['*'];
  const wrong = entries.filter((entry) => {
    try {
      const url = new URL(entry);
      return !/^https?:$/.test(url.protocol) || url.origin !== entry;
    } catch {
      return true;
    }
  });
  if (wrong.length > 0) {
    problems.push(
      `HEARTH_CORS_ORIGINS=${JSON.stringify(value)} is not valid: ${wrong.join(', ')} is not an origin; ` +
        'expected * or a comma list like https://app.example.com,http://localhost:5173 (scheme, host, port; no path)',
    );
  }
  return entries;
}

/** Settings of alarm notifications (config.ts: HEARTH_WEBHOOK_*, HEARTH_NOTIFICATIONS_*, HEARTH_DIGEST_HOUR). */
export interface NotificationsOptions {
  /** How often the worker looks for due deliveries (1000 in production). */
  pollIntervalMs: number;
  /** How long one webhook attempt waits for a 2xx. */
  timeoutMs: number;
  /** First retry delay of a failed delivery; doubles per attempt (with jitter), capped at one hour. */
  retryBaseMs: number;
  /** A delivery still failing this long after it was queued is given up ('failed'); a day by default. */
  giveUpAfterMs: number;
  /** A webhook is disabled once this many attempts in a row failed … */
  disableAfterFailures: number;
  /** … over at least this long without a success. */
  disableAfterMs: number;
  /** Webhook URLs may point at loopback, link-local and private addresses (and use http there). */
  allowPrivateNetworks: boolean;
  /** The local hour (agent's time zone) digests go out. */
  digestHour: number;
}

/** Settings of the mail outbox (config.ts: HEARTH_SMTP_URL, HEARTH_MAIL_FROM, …). */
export interface MailOptions {
  /** smtp:// or smtps:// URL: send through that server. Unset: write .eml files into outboxDir. */
  smtpUrl?: string;
  /** DATA_DIR/outbox: where .eml files go when smtpUrl is unset. */
  outboxDir: string;
  /** The From header, e.g. 'Hearth <hearth@localhost>'. */
  from: string;
  /** First retry delay; doubles per attempt (with jitter), capped at one hour. */
  retryBaseMs: number;
  /** A message still failing when it is older than this is given up ('failed'); 3 days in production. */
  giveUpAfterMs: number;
  /** How often the worker looks for due messages (1000 in production). */
  pollIntervalMs: number;
}
