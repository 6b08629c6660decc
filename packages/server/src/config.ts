import { readFileSync } from 'node:fs';
import path from 'node:path';
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
    Type.String({ minLength: 1, maxLength: 256, description: 'platform operator password' }),
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
  HEARTH_DEMO: Type.Union([Type.Literal('on'), Type.Literal('off')], {
    default: 'on',
    description: 'on or off: load the demo agent and homes at start',
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
  bodyLimit: number;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
export const isLoopback = (host: string): boolean => LOOPBACK.test(host);

/** Reads, validates and normalises the configuration; throws ConfigError naming every bad value. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  let fileValues: Record<string, unknown> = {};
  if (env.HEARTH_CONFIG_FILE) {
    try {
      fileValues = JSON.parse(readFileSync(env.HEARTH_CONFIG_FILE, 'utf8'));
    } catch (err) {
      throw new ConfigError([`HEARTH_CONFIG_FILE=${env.HEARTH_CONFIG_FILE}: ${(err as Error).message}`]);
    }
  }
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = env[key] ?? fileValues[key];
    if (value !== undefined && value !== '') raw[key] = typeof value === 'string' ? value : String(value);
  }
  const values = Value.Default(EnvSchema, Value.Convert(EnvSchema, raw)) as Env;
  const seen = new Set<string>();
  for (const error of Value.Errors(EnvSchema, values)) {
    const key = error.instancePath.split('/')[1] ?? '';
    if (seen.has(key)) continue;
    seen.add(key);
    const field = EnvSchema.properties[key as keyof Env] as { description?: string } | undefined;
    problems.push(
      `${key}=${JSON.stringify(raw[key])} is not valid: expected ${field?.description ?? error.message}`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  let oauthClients: OAuthClient[] = [];
  try {
    const parsed = JSON.parse(values.HEARTH_OAUTH_CLIENTS);
    const withDefaults = Value.Default(Type.Array(OAuthClientSchema), parsed);
    if (!Value.Check(Type.Array(OAuthClientSchema, { minItems: 1 }), withDefaults)) {
      throw new Error('each client needs "id" and "secret", and "grants" from password, refresh_token');
    }
    oauthClients = withDefaults as OAuthClient[];
    if (new Set(oauthClients.map((c) => c.id)).size !== oauthClients.length)
      throw new Error('client ids repeat');
  } catch (err) {
    problems.push(`HEARTH_OAUTH_CLIENTS is not valid: ${(err as Error).message}`);
  }

  let versions: VersionPolicy | undefined;
  try {
    versions = parseVersionPolicy(values.HEARTH_API_VERSIONS);
  } catch (err) {
    problems.push(
      `HEARTH_API_VERSIONS=${JSON.stringify(values.HEARTH_API_VERSIONS)} is not valid: ${(err as Error).message}`,
    );
  }

  if (Boolean(values.TLS_CERT) !== Boolean(values.TLS_KEY)) {
    problems.push('TLS_CERT and TLS_KEY go together: set both to serve HTTPS, or neither');
  }
  let tls: Config['tls'];
  if (values.TLS_CERT && values.TLS_KEY) {
    try {
      tls = { cert: readFileSync(values.TLS_CERT, 'utf8'), key: readFileSync(values.TLS_KEY, 'utf8') };
    } catch (err) {
      problems.push(`TLS_CERT/TLS_KEY cannot be read: ${(err as Error).message}`);
    }
  }

  const trustProxy = parseTrustProxy(values.TRUST_PROXY);
  if (!tls && trustProxy === false && !isLoopback(values.HOST)) {
    problems.push(
      `HOST=${values.HOST} is not a loopback address, and neither TLS_CERT/TLS_KEY nor TRUST_PROXY is set: ` +
        'Hearth will not serve tokens in the clear on a network. Give it a certificate (TLS_CERT, TLS_KEY), ' +
        'or set TRUST_PROXY when a TLS-terminating proxy is in front.',
    );
  }
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
    bodyLimit: values.HEARTH_BODY_LIMIT,
    logLevel: values.LOG_LEVEL,
  };
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
