import { randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { expect } from 'vitest';
import type { Role } from '../../src/db/schema.js';
import { BASIC_TRUSTED, bearer, login } from './app.js';
import { API } from './http.js';
import { completeOrder } from './orders.js';
import { latestMailTo } from './rows.js';
import { acceptInvitation, createTenant, tokenFromMail } from './tenants.js';

export type { Role };
export const ROLES: readonly Role[] = ['operator', 'admin', 'editor', 'viewer'];

/** A logged-in user: who they are, their password (for password changes) and an access token. */
export interface Account {
  id: string;
  username: string;
  password: string;
  token: string;
  role: Role;
  /** null for the platform operator. */
  agentId: string | null;
}

/** An agent built through the real API, with accounts of some roles. */
export interface Agent {
  agentId: string;
  admin: Account;
  /** Invites, accepts and logs in one more user of this agent. */
  account(role: Exclude<Role, 'operator'>): Promise<Account>;
}

/** What a route's ids can name: each kind is a row of one table. */
export type ResourceKind =
  | 'agent'
  | 'user'
  | 'invitation'
  | 'order'
  | 'home'
  | 'provisioning'
  | 'home-group'
  | 'tariff'
  | 'alarm'
  | 'webhook'
  | 'notification-subscription'
  | 'region'
  | 'telemetry-exclusion'
  | 'integration-client';
const TABLES = {
  agent: 'agents',
  user: 'users',
  invitation: 'invitations',
  order: 'orders',
  home: 'homes',
  provisioning: 'provisioning',
  'home-group': 'home_groups',
  tariff: 'tariffs',
  alarm: 'alarms',
  webhook: 'webhooks',
  'notification-subscription': 'notification_subscriptions',
  region: 'regions',
  'telemetry-exclusion': 'telemetry_exclusions',
  'integration-client': 'integration_clients',
} as const;

/** A resource a request names in its path: its row must not change when the request is refused. */
export interface Named {
  kind: ResourceKind;
  id: string | undefined;
}

/** The ids a request puts in its path: `:id`, and any other parameter (`:provisioningId`) by name. */
export interface Target {
  id: string;
  params?: Record<string, string>;
}

/** The provisioning services a home can have (one definition each). */
export type Service = 'amr' | 'insight' | 'performance' | 'fault_management';

/** Rows per table, of every table of the schema (a new feature's tables are counted too). */
export type Counts = Record<string, number>;

export interface Call {
  /** The id put in place of `:id` in the path template. */
  id?: string;
  /** Any other path parameters (`:provisioningId`), by name. */
  params?: Record<string, string>;
  /** The bearer token; null or absent: no Authorization header. */
  token?: string | null;
  query?: Record<string, string>;
  /** A JSON body (serialised by inject), or a raw string with `headers['content-type']`. */
  body?: unknown;
  headers?: Record<string, string>;
}

let counter = 0;

/**
 * What the security suites need around one app: the operator, agents made through the real API,
 * fresh users, invitations and agents to act on, and the row counts that prove nothing was stored.
 * Accounts cost an argon2 hash (acceptance) and a verification (login); reuse them where a case allows.
 */
export class SecurityFixture {
  private constructor(
    readonly app: FastifyInstance,
    readonly operator: Account,
  ) {}

  static async start(app: FastifyInstance, operator: { username: string; password: string }) {
    const token = (await login(app, operator.username, operator.password)).access_token;
    const me = (await app.inject({ url: `${API}/users/me`, headers: bearer(token) })).json() as {
      id: string;
    };
    return new SecurityFixture(app, {
      id: me.id,
      username: operator.username,
      password: operator.password,
      token,
      role: 'operator',
      agentId: null,
    });
  }

  /** A short string no other call of this process has: names, emails, usernames. */
  unique(): string {
    return `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  }

  /** Per agent, the admin who makes its orders, homes and home groups (the operator may not). */
  private readonly makers = new Map<string, Promise<Account>>();

  /** A fresh agent and its admin, made as a real one is: created by the operator, invitation accepted. */
  async agent(name = 'Security'): Promise<Agent> {
    const tenant = await createTenant(this.app, this.operator.token, name);
    const admin: Account = { ...tenant.admin, role: 'admin', agentId: tenant.agentId };
    this.makers.set(tenant.agentId, Promise.resolve(admin));
    return {
      agentId: tenant.agentId,
      admin,
      account: async (role) => {
        const user = await this.user(tenant.agentId, role);
        const token = (await login(this.app, user.username, user.password)).access_token;
        return { ...user, token, role, agentId: tenant.agentId };
      },
    };
  }

  /** A bare agent with only its pending admin invitation (no user): cheap, for agent routes. */
  async bareAgent(): Promise<string> {
    const id = this.unique();
    const response = await this.send('POST', '/agents', {
      token: this.operator.token,
      body: { name: `Bare ${id}`, adminEmail: `bare-${id}@example.com`, adminName: `Bare ${id}` },
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: string }).id;
  }

  /** A fresh pending invitation into an agent (sent by the operator); its id and its emailed token. */
  async invitation(
    agentId: string,
    role: Exclude<Role, 'operator'> = 'viewer',
  ): Promise<{ id: string; email: string; token: string }> {
    const email = `invited-${this.unique()}@example.com`;
    const response = await this.send('POST', '/invitations', {
      token: this.operator.token,
      body: { email, role, agentId },
    });
    expect(response.statusCode, response.body).toBe(201);
    const token = tokenFromMail((await latestMailTo(this.app, email)).text);
    return { id: (response.json() as { id: string }).id, email, token };
  }

  /** A fresh active user of an agent, not logged in (one argon2 hash). */
  async user(
    agentId: string,
    role: Exclude<Role, 'operator'> = 'viewer',
  ): Promise<{ id: string; username: string; password: string }> {
    const { token } = await this.invitation(agentId, role);
    const username = `${role}-${this.unique()}`;
    const password = `amber lantern quietly ${this.unique()}`;
    const user = await acceptInvitation(this.app, token, username, password);
    return { id: user.id, username: user.username, password };
  }

  /** The agent's admin of agent(), or else one more admin of the agent (made once). */
  private maker(agentId: string): Promise<Account> {
    let maker = this.makers.get(agentId);
    if (!maker) {
      maker = this.user(agentId, 'admin').then(async (user) => ({
        ...user,
        token: (await login(this.app, user.username, user.password)).access_token,
        role: 'admin' as const,
        agentId,
      }));
      this.makers.set(agentId, maker);
    }
    return maker;
  }

  /** A fresh draft order of an agent, complete (it can be submitted); its id. */
  async order(agentId: string, overrides: Record<string, unknown> = {}): Promise<string> {
    const response = await this.send('POST', '/orders', {
      token: (await this.maker(agentId)).token,
      body: completeOrder(`SEC-${this.unique()}`, overrides),
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: string }).id;
  }

  /**
   * A fresh home of an agent, made as a real one is: a complete order, submitted. By default it has
   * every service (amr, insight, performance, fault_management), each with its definition, and is in
   * no home group.
   */
  async home(
    agentId: string,
    overrides: Record<string, unknown> = {},
  ): Promise<{ id: string; orderId: string }> {
    const orderId = await this.order(agentId, overrides);
    const response = await this.send('POST', '/orders/:id/submission', {
      id: orderId,
      token: (await this.maker(agentId)).token,
    });
    expect(response.statusCode, response.body).toBe(201);
    return { id: (response.json() as { homeId: string }).homeId, orderId };
  }

  /** The provisioning definition of one service of a home (read by the operator); its id. */
  async definition(homeId: string, service: Service): Promise<string> {
    const response = await this.send('GET', '/homes/:id/provisioning', {
      id: homeId,
      token: this.operator.token,
    });
    expect(response.statusCode, response.body).toBe(200);
    const found = (response.json() as { items: Array<{ id: string; service: string }> }).items.find(
      (item) => item.service === service,
    );
    if (!found) throw new Error(`home ${homeId} has no ${service} definition`);
    return found.id;
  }

  /**
   * A fresh home of an agent whose gateway has a secret (issued by the agent's admin) and is logged
   * in with the client_credentials grant: its client id, secret and access token.
   */
  async gateway(
    agentId: string,
  ): Promise<{ clientId: string; secret: string; homeId: string; token: string }> {
    const home = await this.home(agentId);
    const issued = await this.send('POST', '/homes/:id/gateway/secret', {
      id: home.id,
      token: (await this.maker(agentId)).token,
    });
    expect(issued.statusCode, issued.body).toBe(201);
    const { clientId, clientSecret } = issued.json() as { clientId: string; clientSecret: string };
    const response = await this.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials',
    });
    expect(response.statusCode, response.body).toBe(200);
    const token = (response.json() as { access_token: string }).access_token;
    return { clientId, secret: clientSecret, homeId: home.id, token };
  }

  /**
   * A channel of a fresh home of an agent (readings are pushed for it); its id. A suspended agent
   * can make no home: its requests are refused before their body matters, so any id serves.
   */
  async channel(agentId: string): Promise<string> {
    const status = await this.send('GET', '/users/me', { token: (await this.maker(agentId)).token });
    if (status.statusCode === 403) return randomUUID();
    const home = await this.home(agentId);
    const response = await this.send('GET', '/homes/:id/meters', {
      id: home.id,
      token: (await this.maker(agentId)).token,
    });
    expect(response.statusCode, response.body).toBe(200);
    const meters = (response.json() as { items: { channels: { id: string }[] }[] }).items;
    return meters[0]?.channels[0]?.id as string;
  }

  /**
   * The first channel of a home (read by the operator), for bodies that name one; any id when the
   * home cannot be read (a random home id: the request is refused before its body matters).
   */
  async channelOfHome(homeId: string): Promise<string> {
    const response = await this.send('GET', '/homes/:id/meters', { id: homeId, token: this.operator.token });
    if (response.statusCode !== 200) return randomUUID();
    const meters = (response.json() as { items: { channels: { id: string }[] }[] }).items;
    return meters[0]?.channels[0]?.id as string;
  }

  /** A fresh exclusion of readings of a home's first channel (made by its agent's admin); its id. */
  async exclusion(homeId: string): Promise<string> {
    const home = await this.row('home', homeId);
    const response = await this.send('POST', '/homes/:id/telemetry/exclusions', {
      id: homeId,
      token: (await this.maker(home?.agent_id as string)).token,
      body: {
        channelId: await this.channelOfHome(homeId),
        from: '2026-11-02T10:00:00Z',
        to: '2026-11-02T11:00:00Z',
        reason: `fixture ${this.unique()}`,
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: string }).id;
  }

  /** A fresh, empty home group of an agent; its id. */
  async homeGroup(agentId: string): Promise<string> {
    const response = await this.send('POST', '/home-groups', {
      token: (await this.maker(agentId)).token,
      body: { name: `Group ${this.unique()}` },
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: string }).id;
  }

  /**
   * A fresh flat tariff of an agent (made by the operator, who may act on a suspended agent too);
   * its id.
   */
  async tariff(agentId: string, fuel = 'electricity'): Promise<string> {
    const response = await this.send('POST', '/tariffs', {
      token: this.operator.token,
      body: { agentId, name: `Tariff ${this.unique()}`, fuel, standingCharge: 50, unitRate: 25 },
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: string }).id;
  }

  /**
   * A fresh region with a day of weather and a half hour of carbon intensity, loaded by the
   * operator: platform data, of no agent. Its name (the `:id` of /regions/{id}/…).
   */
  async region(): Promise<string> {
    const name = `region-${this.unique()}`;
    const series = [
      ['weather', 'date,mean_c\n2026-01-05,5.5\n'],
      ['carbon-intensity', 'time,g_per_kwh\n2026-01-05T00:00:00Z,120\n'],
    ];
    for (const [path, csv] of series) {
      const response = await this.send('PUT', `/regions/:id/${path}`, {
        id: name,
        token: this.operator.token,
        body: csv,
        headers: { 'content-type': 'text/csv' },
      });
      expect(response.statusCode, response.body).toBe(200);
    }
    return name;
  }

  /** A fresh webhook of an agent (made by the operator, who may act on a suspended agent too); its id. */
  async webhook(agentId: string): Promise<string> {
    const response = await this.send('POST', '/webhooks', {
      token: this.operator.token,
      body: { agentId, url: `https://hooks.example.com/hearth/${this.unique()}` },
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: string }).id;
  }

  /** A fresh email subscription of an agent (made by the operator); its id. */
  async notificationSubscription(agentId: string): Promise<string> {
    const response = await this.send('POST', '/notification-subscriptions', {
      token: this.operator.token,
      body: { agentId, email: `alerts-${this.unique()}@example.com`, mode: 'immediate' },
    });
    expect(response.statusCode, response.body).toBe(201);
    return (response.json() as { id: string }).id;
  }

  /**
   * A fresh integration client of an agent (made by its admin), and an access token it got with the
   * client_credentials grant through the real token endpoint.
   */
  async integrationClient(
    agentId: string,
    access: 'read' | 'read_write' = 'read',
  ): Promise<{ id: string; secret: string; token: string }> {
    const response = await this.send('POST', '/integration-clients', {
      token: (await this.maker(agentId)).token,
      body: { name: `Client ${this.unique()}`, access },
    });
    expect(response.statusCode, response.body).toBe(201);
    const { clientId, clientSecret } = response.json() as { clientId: string; clientSecret: string };
    return { id: clientId, secret: clientSecret, token: await this.clientToken(clientId, clientSecret) };
  }

  /** A client_credentials access token of a client, through the real token endpoint. */
  async clientToken(clientId: string, secret: string): Promise<string> {
    const response = await this.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials',
    });
    expect(response.statusCode, response.body).toBe(200);
    return (response.json() as { access_token: string }).access_token;
  }

  /**
   * An active alarm on a fresh home of the agent, written as the evaluator writes one (no rule's
   * condition needs arranging for the suite: the alarm routes only read and change the row).
   */
  async alarm(agentId: string, homeId?: string): Promise<string> {
    const home = homeId ? { id: homeId } : await this.home(agentId);
    const id = uuidv7();
    const now = Date.now();
    await this.app.ctx.database.db
      .insertInto('alarms')
      .values({
        id,
        agent_id: agentId,
        home_id: home.id,
        rule: 'communication_lost',
        severity: 'major',
        state: 'active',
        summary: 'the gateway has sent nothing for 20 min',
        evidence: JSON.stringify({
          summary: 'silent',
          from: now - 1_200_000,
          to: now,
          values: { silenceSeconds: 1200 },
        }),
        channel_id: null,
        raised_at: now - 600_000,
        last_seen_at: now,
        cleared_at: null,
        cleared_by: null,
        acknowledged_at: null,
        acknowledged_by: null,
        note: null,
        occurrences: 1,
        created_at: now,
        updated_at: now,
        revision: 1,
      })
      .execute();
    return id;
  }

  /** Puts a home of an agent in exactly these home groups (as the agent's admin). */
  async setHomeGroups(agentId: string, homeId: string, groupIds: string[]): Promise<void> {
    const response = await this.send('PUT', '/homes/:id', {
      id: homeId,
      token: (await this.maker(agentId)).token,
      body: { groupIds },
    });
    expect(response.statusCode, response.body).toBe(200);
  }

  /** A second platform operator account, made the way the server makes the first one at start. */
  async operatorAccount(): Promise<Account> {
    const username = `operator-${this.unique()}`;
    const password = `granite meadow operator ${this.unique()}`;
    await this.app.ctx.services.users.ensureOperator(username, password);
    return { ...(await this.loginAs(username, password)), role: 'operator', agentId: null };
  }

  /** Logs in; the token is not used yet (so no token check of it is cached). */
  async loginAs(
    username: string,
    password: string,
  ): Promise<{ id: string; username: string; password: string; token: string }> {
    const token = (await login(this.app, username, password)).access_token;
    const { id } = await this.app.ctx.database.db
      .selectFrom('users')
      .select('id')
      .where('username', '=', username.toLowerCase())
      .executeTakeFirstOrThrow();
    return { id, username, password, token };
  }

  /** RFC 7009 revocation through the real endpoint. */
  async revoke(token: string): Promise<void> {
    const response = await this.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { authorization: BASIC_TRUSTED, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ token }).toString(),
    });
    expect(response.statusCode, response.body).toBe(200);
  }

  /**
   * Makes every access token of a user expire now, as time passing would. Do it before the token is
   * first used: a node may cache a token check until the token's own expiry, as stored when issued.
   */
  async expireTokensOf(userId: string): Promise<void> {
    await this.app.ctx.database.db
      .updateTable('oauth_tokens')
      .set({ expires_at: Date.now() - 1000 })
      .where('user_id', '=', userId)
      .where('kind', '=', 'access')
      .execute();
  }

  async setAgentStatus(agentId: string, status: 'active' | 'suspended'): Promise<void> {
    const response = await this.send('PUT', '/agents/:id', {
      id: agentId,
      token: this.operator.token,
      body: { status },
    });
    expect(response.statusCode, response.body).toBe(200);
  }

  private tables: string[] | undefined;

  /** Rows in every table of the schema: a refused request must not change any of them. */
  async counts(): Promise<Counts> {
    const { db } = this.app.ctx.database;
    this.tables ??= (await db.introspection.getTables()).map((table) => table.name).sort();
    // One round trip: this runs twice around every refused request.
    const counts = sql.join(
      this.tables.map((table) => sql`select ${table} as name, count(*) as n from ${sql.table(table)}`),
      sql` union all `,
    );
    const { rows } = await sql<{ name: string; n: number | string }>`${counts}`.execute(db);
    return Object.fromEntries(rows.map((row) => [row.name, Number(row.n)]));
  }

  /** The stored row of a resource (undefined once deleted). */
  row(kind: ResourceKind, id: string): Promise<Record<string, unknown> | undefined> {
    return this.app.ctx.database.db
      .selectFrom(TABLES[kind] as 'users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** The agent a stored resource belongs to (its agent_id column). */
  async agentOfRow(kind: ResourceKind, id: string): Promise<unknown> {
    return (await this.row(kind, id))?.agent_id;
  }

  /**
   * Makes a request that must be refused, and asserts it was answered without a server error,
   * stored no row anywhere, and left the rows it named (if any) exactly as they were.
   */
  async refused(
    request: () => Promise<LightMyRequestResponse>,
    named?: Named | readonly Named[],
  ): Promise<LightMyRequestResponse> {
    const names = named === undefined ? [] : 'kind' in named ? [named] : named;
    const read = () => Promise.all(names.map((n) => (n.id ? this.row(n.kind, n.id) : undefined)));
    const [counts, rows] = [await this.counts(), await read()];
    const response = await request();
    expect(response.statusCode, response.body).toBeLessThan(500);
    expect(await this.counts(), 'rows stored by a refused request').toEqual(counts);
    expect(await read(), 'the rows named by a refused request').toEqual(rows);
    return response;
  }

  /** One API call to a path template of the table (`/users/:id`), under the API prefix. */
  send(method: string, path: string, call: Call = {}): Promise<LightMyRequestResponse> {
    const filled = path.replaceAll(/:(\w+)/g, (whole, name: string) =>
      name === 'id' && call.id !== undefined ? call.id : (call.params?.[name] ?? whole),
    );
    const url = `${API}${filled}`;
    const query =
      call.query && Object.keys(call.query).length > 0 ? `?${new URLSearchParams(call.query)}` : '';
    return this.app.inject({
      method: method as 'GET',
      url: `${url}${query}`,
      headers: { ...(call.token ? bearer(call.token) : {}), ...call.headers },
      ...(call.body !== undefined ? { payload: call.body as string } : {}),
    });
  }
}

/**
 * A problem answer with the parts that must differ removed (request id) and the ids it names
 * replaced (`:id` by {id}, any other path parameter by {its name}), so "another agent's id" and
 * "an id that does not exist" can be compared byte for byte.
 */
export function answerShape(
  response: LightMyRequestResponse,
  id: string,
  params: Record<string, string> = {},
): unknown {
  const { requestId: _requestId, ...rest } = response.json() as Record<string, unknown>;
  let text = JSON.stringify(rest).replaceAll(id, '{id}');
  for (const [name, value] of Object.entries(params)) text = text.replaceAll(value, `{${name}}`);
  return {
    status: response.statusCode,
    contentType: response.headers['content-type'],
    body: JSON.parse(text),
  };
}
