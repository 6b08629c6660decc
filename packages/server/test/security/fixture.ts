import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { Role } from '../../src/db/schema.js';
import { BASIC_TRUSTED, bearer, login } from '../helpers/harness.js';
import { acceptInvitation, createTenant, latestMailTo, tokenFromMail } from '../helpers/tenants.js';

/** The prefix of the API version the suites run against. */
export const API = '/api/v/1';

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

  /** A fresh agent and its admin, made as a real one is: created by the operator, invitation accepted. */
  async agent(name = 'Security'): Promise<Agent> {
    const tenant = await createTenant(this.app, this.operator.token, name);
    const admin: Account = { ...tenant.admin, role: 'admin', agentId: tenant.agentId };
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

  /** The stored row of an agent, user or invitation (undefined once deleted). */
  row(kind: 'agent' | 'user' | 'invitation', id: string): Promise<unknown> {
    const table = ({ agent: 'agents', user: 'users', invitation: 'invitations' } as const)[kind];
    return this.app.ctx.database.db
      .selectFrom(table as 'users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /**
   * Makes a request that must be refused, and asserts it was answered without a server error,
   * stored no row anywhere, and left the row it named (if any) exactly as it was.
   */
  async refused(
    request: () => Promise<LightMyRequestResponse>,
    named?: { kind: 'agent' | 'user' | 'invitation'; id: string | undefined },
  ): Promise<LightMyRequestResponse> {
    const read = () => (named?.id ? this.row(named.kind, named.id) : undefined);
    const [counts, row] = [await this.counts(), await read()];
    const response = await request();
    expect(response.statusCode, response.body).toBeLessThan(500);
    expect(await this.counts(), 'rows stored by a refused request').toEqual(counts);
    expect(await read(), 'the row named by a refused request').toEqual(row);
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

/** Asserts an RFC 9457 problem with this status and code (never a 5xx) and returns its body. */
export function expectProblem(
  response: LightMyRequestResponse,
  status: number,
  code: string,
): { errors?: Array<{ field: string; message: string }> } & Record<string, unknown> {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json() as Record<string, unknown>;
  expect(body).toMatchObject({ status, code });
  return body;
}

/**
 * A problem answer with the parts that must differ removed (request id) and the id it names
 * replaced, so "another agent's id" and "an id that does not exist" can be compared byte for byte.
 */
export function answerShape(response: LightMyRequestResponse, id: string): unknown {
  const { requestId: _requestId, ...rest } = response.json() as Record<string, unknown>;
  return {
    status: response.statusCode,
    contentType: response.headers['content-type'],
    body: JSON.parse(JSON.stringify(rest).replaceAll(id, '{id}')),
  };
}
