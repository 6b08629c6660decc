import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completeOrder,
  createTenant,
  dialect,
  expectProblem,
  type Live,
  type LiveResponse,
  listen,
  login,
  startTestApp,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

// Issue #18 part 2, over real HTTP: an agent's admin creates OAuth2 clients for scripts, BI tools
// and partners (client_credentials); what each may do is in the security suite, driven from its
// table of every route. Here: the life of a client, its tokens, its audit trail and its isolation.

interface Client {
  id: string;
  clientId: string;
  clientSecret: string;
  name: string;
  access: 'read' | 'read_write';
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe(`integration clients (${dialect})`, () => {
  let t: TestApp;
  let live: Live;
  let operator: string;
  let a: Tenant;
  let b: Tenant;
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp();
    live = await listen(t.app);
    operator = (await login(t.app)).access_token;
    a = await createTenant(t.app, operator, 'Clients A');
    b = await createTenant(t.app, operator, 'Clients B');
  });
  afterAll(async () => t?.close());

  async function create(tenant: Tenant, access: Client['access'], name = `Grafana ${n++}`): Promise<Client> {
    const response = await live.request('POST', '/integration-clients', {
      token: tenant.admin.token,
      body: { name, access },
    });
    expect(response.status, response.text).toBe(201);
    return response.json as Client;
  }

  /** POST /oauth/token with the client_credentials grant, the client authenticated by HTTP Basic. */
  const tokenRequest = (id: string, secret: string, extra = '') =>
    live.request('POST', '/oauth/token', {
      body: `grant_type=client_credentials${extra}`,
      headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
    });

  async function tokenOf(client: Pick<Client, 'clientId' | 'clientSecret'>): Promise<string> {
    const response = await tokenRequest(client.clientId, client.clientSecret);
    expect(response.status, response.text).toBe(200);
    return response.json.access_token as string;
  }

  it('creates a client: 201, Location, the secret shown once and never cached, only its hash stored', async () => {
    const response = await live.request('POST', '/integration-clients', {
      token: a.admin.token,
      body: { name: '  Nightly export  ', access: 'read' },
    });
    expect(response.status, response.text).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('etag')).toBe('"r1"');
    const client = response.json as Client & Record<string, unknown>;
    expect(response.headers.get('location')).toBe(`/api/v/1/integration-clients/${client.id}`);
    expect(client).toMatchObject({
      id: client.clientId,
      agentId: a.agentId,
      name: 'Nightly export',
      access: 'read',
      tokenUrl: '/oauth/token',
      lastUsedAt: null,
      createdBy: a.admin.id,
    });
    expect(client.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const row = await t.app.ctx.database.db
      .selectFrom('integration_clients')
      .selectAll()
      .where('id', '=', client.id)
      .executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(createHash('sha256').update(client.clientSecret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(client.clientSecret);

    // Never again: not in a read, not in the list.
    const read = await live.request('GET', `/integration-clients/${client.id}`, { token: a.admin.token });
    expect(read.status).toBe(200);
    expect(read.headers.get('cache-control')).toBe('no-store');
    expect(read.text).not.toContain(client.clientSecret);
    expect(Object.keys(read.json)).not.toContain('clientSecret');
    const list = await live.request('GET', '/integration-clients', { token: a.admin.token });
    expect(list.text).not.toContain(client.clientSecret);
  });

  it('gets tokens with client_credentials (Basic or the body): no refresh token, the usual lifetime', async () => {
    const client = await create(a, 'read');
    const byBasic = await tokenRequest(client.clientId, client.clientSecret);
    expect(byBasic.status, byBasic.text).toBe(200);
    expect(byBasic.headers.get('cache-control')).toBe('no-store');
    expect(byBasic.json).toEqual({
      token_type: 'Bearer',
      access_token: expect.stringMatching(/^[0-9a-f]{8}-/),
      expires_in: t.config.accessTokenTtl,
      scope: 'api',
    });
    const byBody = await live.request('POST', '/oauth/token', {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.clientSecret,
        scope: 'api',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(byBody.status, byBody.text).toBe(200);
    const read = await live.request('GET', `/integration-clients/${client.id}`, { token: a.admin.token });
    expect(read.json.lastUsedAt).not.toBeNull();

    // Only client_credentials: no password or refresh grant for a client.
    const password = await live.request('POST', '/oauth/token', {
      body: `grant_type=password&username=${a.admin.username}&password=${encodeURIComponent(a.admin.password)}`,
      headers: {
        authorization: basic(client.clientId, client.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
      },
    });
    expect(password.status).toBe(400);
    expect(password.json.error).toBe('unauthorized_client');
    // A wrong secret and an unknown client get the same answer.
    for (const [id, secret] of [
      [client.clientId, `${client.clientSecret.slice(0, -1)}x`],
      [randomUUID(), client.clientSecret],
    ] as const) {
      const refused = await tokenRequest(id, secret);
      expect(refused.status).toBe(401);
      expect(refused.json).toEqual({
        error: 'invalid_client',
        error_description: 'Unknown client or wrong client secret',
      });
    }
  });

  it('a read client reads every home of the agent (none of the occupant), and may not write, nor be a user', async () => {
    const client = await create(a, 'read');
    const token = await tokenOf(client);
    const orderId = (
      await live.request('POST', '/orders', { token: a.admin.token, body: completeOrder(`IC-R-${n++}`) })
    ).json.id as string;
    const order = await live.request('GET', `/orders/${orderId}`, { token });
    expect(order.status, order.text).toBe(200);
    expect(order.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(order.json)).not.toContain('occupant');
    const mine = await live.request('GET', '/orders?limit=200', { token: a.admin.token });
    const theirs = await live.request('GET', '/orders?limit=200', { token });
    expect(theirs.json.items.map((o: { id: string }) => o.id)).toEqual(
      mine.json.items.map((o: { id: string }) => o.id),
    );

    expectProblem(
      await live.request('POST', '/orders', { token, body: completeOrder(`IC-R-${n++}`) }),
      403,
      'forbidden',
    );
    const me = await live.request('GET', '/users/me', { token });
    expectProblem(me, 403, 'forbidden');
    expect(me.json.detail).toMatch(/integration client with read access may not do this; it needs self/);
    expectProblem(await live.request('GET', '/integration-clients', { token }), 403, 'forbidden');
    expectProblem(
      await live.request('POST', '/integration-clients', { token, body: { name: 'more', access: 'read' } }),
      403,
      'forbidden',
    );
  });

  it('a read_write client writes as an editor, sees the occupant it wrote, and the audit trail names it', async () => {
    const client = await create(a, 'read_write', `Partner CRM ${n++}`);
    const token = await tokenOf(client);
    const order = completeOrder(`IC-W-${n++}`);
    const created = await live.request('POST', '/orders', { token, body: order });
    expect(created.status, created.text).toBe(201);
    expect(created.json.occupant).toEqual(order.occupant);
    const submitted = await live.request('POST', `/orders/${created.json.id}/submission`, { token });
    expect(submitted.status, submitted.text).toBe(201);

    // Never an admin's action, and never another client.
    expectProblem(
      await live.request('DELETE', `/homes/${submitted.json.homeId}`, { token }),
      403,
      'forbidden',
    );
    expectProblem(
      await live.request('POST', '/integration-clients', { token, body: { name: 'child', access: 'read' } }),
      403,
      'forbidden',
    );
    expectProblem(await live.request('GET', '/users/me', { token }), 403, 'forbidden');
    expectProblem(await live.request('GET', '/users', { token }), 403, 'forbidden');

    const audit = await live.request('GET', '/audit-events?limit=200', { token: a.admin.token });
    const byClient = (audit.json.items as Array<{ actor: { id: string } | null; action: string }>).filter(
      (e) => e.actor?.id === client.id,
    );
    expect(byClient.length).toBeGreaterThan(0);
    expect(byClient[0]?.actor).toEqual({
      id: client.id,
      username: `client:${client.name}`,
      role: 'integration_read_write',
    });
  });

  it('rotates the secret: the old secret and every token of it stop at once; audited', async () => {
    const client = await create(a, 'read');
    const oldToken = await tokenOf(client);
    expect((await live.request('GET', '/homes', { token: oldToken })).status).toBe(200);
    const stale = await live.request('POST', `/integration-clients/${client.id}/secret`, {
      token: a.admin.token,
      headers: { 'if-match': '"r7"' },
    });
    expectProblem(stale, 412, 'precondition_failed');
    const rotated = await live.request('POST', `/integration-clients/${client.id}/secret`, {
      token: a.admin.token,
      headers: { 'if-match': '"r1"' },
    });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    expect(rotated.headers.get('etag')).toBe('"r2"');
    const secret = rotated.json.clientSecret as string;
    expect(secret).not.toBe(client.clientSecret);

    const old = await live.request('GET', '/homes', { token: oldToken });
    expectProblem(old, 401, 'invalid_token');
    expect((await tokenRequest(client.clientId, client.clientSecret)).json.error).toBe('invalid_client');
    const fresh = await tokenOf({ clientId: client.clientId, clientSecret: secret });
    expect((await live.request('GET', '/homes', { token: fresh })).status).toBe(200);

    const audit = await live.request('GET', '/audit-events?action=integration_client&limit=200', {
      token: a.admin.token,
    });
    const mine = (
      audit.json.items as Array<{ action: string; target: { id: string }; details: unknown }>
    ).filter((e) => e.target.id === client.id);
    expect(mine.map((e) => e.action).sort()).toEqual([
      'integration_client.created',
      'integration_client.secret_rotated',
    ]);
    for (const event of mine) {
      expect(event.details).toEqual({ name: client.name, access: 'read' });
      expect(JSON.stringify(event)).not.toContain(secret);
    }
  });

  it('deletes a client: its tokens die at once, its secret too; audited; 404 after', async () => {
    const client = await create(a, 'read_write');
    const token = await tokenOf(client);
    expect((await live.request('GET', '/homes', { token })).status).toBe(200);
    const deleted = await live.request('DELETE', `/integration-clients/${client.id}`, {
      token: a.admin.token,
    });
    expect(deleted.status, deleted.text).toBe(204);
    expectProblem(await live.request('GET', '/homes', { token }), 401, 'invalid_token');
    expect((await tokenRequest(client.clientId, client.clientSecret)).status).toBe(401);
    expectProblem(
      await live.request('GET', `/integration-clients/${client.id}`, { token: a.admin.token }),
      404,
      'not_found',
    );
    const audit = await live.request('GET', '/audit-events?action=integration_client.deleted', {
      token: a.admin.token,
    });
    expect(audit.json.items).toContainEqual(
      expect.objectContaining({
        action: 'integration_client.deleted',
        actor: expect.objectContaining({ id: a.admin.id }),
        target: { type: 'integration_client', id: client.id },
      }),
    );
  });

  it("another agent's client is 404, exactly as one that does not exist; lists hold only the agent's own", async () => {
    const theirs = await create(b, 'read');
    const mine = await create(a, 'read');
    for (const [method, path] of [
      ['GET', '/integration-clients/:id'],
      ['POST', '/integration-clients/:id/secret'],
      ['DELETE', '/integration-clients/:id'],
    ] as const) {
      const other = await live.request(method, path.replace(':id', theirs.id), { token: a.admin.token });
      const absentId = randomUUID();
      const missing = await live.request(method, path.replace(':id', absentId), { token: a.admin.token });
      expectProblem(other, 404, 'not_found');
      const shape = (r: LiveResponse, id: string) => {
        const { requestId: _r, ...rest } = r.json as Record<string, unknown>;
        return JSON.stringify(rest).replaceAll(id, '{id}');
      };
      expect(shape(other, theirs.id)).toBe(shape(missing, absentId));
    }
    // Still theirs, untouched.
    expect((await tokenRequest(theirs.clientId, theirs.clientSecret)).status).toBe(200);
    const list = await live.request('GET', '/integration-clients?limit=200', { token: a.admin.token });
    const ids = (list.json.items as Array<{ id: string; agentId: string }>).map((c) => c.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    expect((list.json.items as Array<{ agentId: string }>).every((c) => c.agentId === a.agentId)).toBe(true);
    const reads = await live.request('GET', '/integration-clients?access=read_write&limit=200', {
      token: a.admin.token,
    });
    expect((reads.json.items as Array<{ access: string }>).every((c) => c.access === 'read_write')).toBe(
      true,
    );
    // A client's token sees only its agent's data.
    const token = await tokenOf(theirs);
    const homeOfA = (await live.request('GET', '/homes?limit=1', { token: a.admin.token })).json.items[0];
    if (homeOfA)
      expectProblem(await live.request('GET', `/homes/${homeOfA.id}`, { token }), 404, 'not_found');
  });

  it('only an agent admin manages clients; names are unique within the agent; bad input is a 400', async () => {
    const editor = await a.addUser('editor');
    for (const token of [operator, editor.token]) {
      expectProblem(
        await live.request('POST', '/integration-clients', { token, body: { name: 'x', access: 'read' } }),
        403,
        'forbidden',
      );
    }
    const first = await create(a, 'read', 'Grafana prod');
    expectProblem(
      await live.request('POST', '/integration-clients', {
        token: a.admin.token,
        body: { name: 'Grafana prod', access: 'read_write' },
      }),
      409,
      'conflict',
    );
    // Another agent may use the same name.
    await create(b, 'read', 'Grafana prod');
    for (const body of [
      { name: 'x', access: 'admin' },
      { name: '', access: 'read' },
      { name: '   ', access: 'read' },
      { name: 'x', access: 'read', agentId: b.agentId },
      { access: 'read' },
    ]) {
      expectProblem(
        await live.request('POST', '/integration-clients', { token: a.admin.token, body }),
        400,
        'validation_failed',
      );
    }
    expect(first.name).toBe('Grafana prod');
  });

  it("a suspended agent's client gets no token, and its tokens are refused until reactivated", async () => {
    const c = await createTenant(t.app, operator, 'Clients C');
    const client = await create(c, 'read');
    const token = await tokenOf(client);
    expect((await live.request('GET', '/homes', { token })).status).toBe(200);
    const suspend = (status: string) =>
      live.request('PUT', `/agents/${c.agentId}`, { token: operator, body: { status } });
    expect((await suspend('suspended')).status).toBe(200);
    expectProblem(await live.request('GET', '/homes', { token }), 403, 'agent_suspended');
    expect((await tokenRequest(client.clientId, client.clientSecret)).json.error).toBe('invalid_client');
    expect((await suspend('active')).status).toBe(200);
    expect((await live.request('GET', '/homes', { token })).status).toBe(200);
  });
});

describe(`integration clients: the rate limit counts each client as one caller (${dialect})`, () => {
  let t: TestApp;
  let live: Live;
  let a: Tenant;
  beforeAll(async () => {
    t = await startTestApp({ HEARTH_RATE_LIMIT: '6' });
    live = await listen(t.app);
    a = await createTenant(t.app, (await login(t.app)).access_token, 'Limited');
  });
  afterAll(async () => t?.close());

  it('all tokens of one client share its limit; its admin and another client have their own', async () => {
    const make = async (name: string) =>
      (
        await live.request('POST', '/integration-clients', {
          token: a.admin.token,
          body: { name, access: 'read' },
        })
      ).json as Client;
    const [one, two] = [await make('one'), await make('two')];
    const token = async (c: Client) =>
      (
        await live.request('POST', '/oauth/token', {
          body: 'grant_type=client_credentials',
          headers: {
            authorization: basic(c.clientId, c.clientSecret),
            'content-type': 'application/x-www-form-urlencoded',
          },
        })
      ).json.access_token as string;
    const [first, second] = [await token(one), await token(one)];
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await live.request('GET', '/homes', { token: i % 2 ? first : second })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    const limited = await live.request('GET', '/homes', { token: first });
    expect(limited.status).toBe(429);
    expect(limited.json.code).toBe('too_many_requests');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await live.request('GET', '/homes', { token: await token(two) })).status).toBe(200);
    expect((await live.request('GET', '/homes', { token: a.admin.token })).status).toBe(200);
  });
});
