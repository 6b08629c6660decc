import { createHash, randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allPages,
  call,
  createTenant,
  dialect,
  expectProblem,
  login,
  startTestApp,
  submitHome,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

// Issue #5, gateway clients: each home with amr has one OAuth2 client (its gateway), whose secret
// an admin issues through the API and which gets tokens with the client_credentials grant
// (RFC 6749 §4.4).

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface GatewayView {
  clientId: string;
  homeId: string;
  status: 'no_secret' | 'active' | 'revoked';
  secretIssuedAt: string | null;
  lastUsedAt: string | null;
  tokenUrl: string;
  mqtt: { username: string; topic: string; resultsTopic: string };
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe(`gateway clients (${dialect})`, () => {
  let t: TestApp;
  let operatorToken: string;
  let counter = 0;

  beforeAll(async () => {
    t = await startTestApp();
    operatorToken = (await login(t.app)).access_token;
  });
  afterAll(async () => t.close());

  /** A fresh agent with its admin, and a home submitted from a complete order (so with amr). */
  async function tenantWithHome(name = 'Gateways'): Promise<{ tenant: Tenant; homeId: string }> {
    const tenant = await createTenant(t.app, operatorToken, name);
    const { homeId } = await submitHome(t.app, tenant.admin.token, `GW-${++counter}`);
    return { tenant, homeId };
  }

  const gateway = (homeId: string, token: string) => call(t.app, 'GET', `/homes/${homeId}/gateway`, token);

  async function issue(homeId: string, token: string): Promise<GatewayView & { clientSecret: string }> {
    const response = await call(t.app, 'POST', `/homes/${homeId}/gateway/secret`, token);
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }

  function tokenRequest(
    form: Record<string, string>,
    authorization?: string,
  ): Promise<LightMyRequestResponse> {
    return t.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: {
        ...(authorization ? { authorization } : {}),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams(form).toString(),
    });
  }

  /** client_credentials with HTTP Basic: the access token, or the failed answer. */
  async function gatewayToken(clientId: string, secret: string): Promise<string> {
    const response = await tokenRequest({ grant_type: 'client_credentials' }, basic(clientId, secret));
    expect(response.statusCode, response.body).toBe(200);
    return response.json().access_token;
  }

  function expectOAuthError(response: LightMyRequestResponse, status: number, error: string): void {
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json()).toMatchObject({ error });
    expect(response.json()).not.toHaveProperty('access_token');
    expect(response.headers['cache-control']).toBe('no-store');
  }

  const stored = (clientId: string) =>
    t.app.ctx.database.db
      .selectFrom('gateway_clients')
      .selectAll()
      .where('id', '=', clientId)
      .executeTakeFirstOrThrow();

  const events = (token: string) =>
    allPages<{
      id: string;
      action: string;
      target: { type: string; id: string };
      details: Record<string, unknown>;
    }>(t.app, '/audit-events?limit=200&action=gateway', token);

  it("an order's submission gives the home its gateway, without a secret; GET shows how to connect", async () => {
    const { tenant, homeId } = await tenantWithHome();
    const response = await gateway(homeId, tenant.admin.token);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers.etag).toBe('"r1"');
    const view = response.json() as GatewayView;
    expect(view.clientId).toMatch(UUID);
    expect(view).toEqual({
      clientId: view.clientId,
      homeId,
      status: 'no_secret',
      secretIssuedAt: null,
      lastUsedAt: null,
      tokenUrl: '/oauth/token',
      mqtt: {
        username: view.clientId,
        topic: `hearth/v1/gateways/${view.clientId}/readings`,
        resultsTopic: `hearth/v1/gateways/${view.clientId}/results`,
      },
    });
    const row = await stored(view.clientId);
    expect(row).toMatchObject({
      home_id: homeId,
      agent_id: tenant.agentId,
      status: 'no_secret',
      secret_hash: null,
    });
    // Without a secret there is nothing to log in with.
    expectOAuthError(
      await tokenRequest({ grant_type: 'client_credentials' }, basic(view.clientId, '')),
      401,
      'invalid_client',
    );
  });

  it('adding amr gives a home without a gateway one, and keeps the one a home has', async () => {
    const { tenant, homeId } = await tenantWithHome();
    const db = t.app.ctx.database.db;
    const admin = tenant.admin.token;
    const before = (await gateway(homeId, admin)).json() as GatewayView;
    const items = (await call(t.app, 'GET', `/homes/${homeId}/provisioning`, admin)).json().items as Array<{
      id: string;
      service: string;
    }>;
    const removeAll = async () => {
      const current = (await call(t.app, 'GET', `/homes/${homeId}/provisioning`, admin)).json()
        .items as typeof items;
      // amr goes last: the other services need its telemetry.
      const ordered = [
        ...current.filter((i) => i.service !== 'amr'),
        ...current.filter((i) => i.service === 'amr'),
      ];
      for (const item of ordered) {
        const removed = await call(t.app, 'DELETE', `/homes/${homeId}/provisioning/${item.id}`, admin);
        expect(removed.statusCode, removed.body).toBe(204);
      }
    };
    const addAmr = async () => {
      const added = await call(t.app, 'POST', `/homes/${homeId}/provisioning`, admin, { service: 'amr' });
      expect(added.statusCode, added.body).toBe(201);
    };
    expect(items.length).toBeGreaterThan(1);

    await removeAll();
    await addAmr();
    expect((await gateway(homeId, admin)).json()).toEqual(before);

    // A home that lost its gateway row, as one made before gateways existed.
    await removeAll();
    await db.deleteFrom('gateway_clients').where('home_id', '=', homeId).execute();
    expectProblem(await gateway(homeId, admin), 404, 'not_found');
    await addAmr();
    const after = (await gateway(homeId, admin)).json() as GatewayView;
    expect(after).toMatchObject({ homeId, status: 'no_secret' });
    expect(after.clientId).not.toBe(before.clientId);
    const rows = await db.selectFrom('gateway_clients').select('id').where('home_id', '=', homeId).execute();
    expect(rows).toEqual([{ id: after.clientId }]);
  });

  it('issues a secret once: the 201 shows it (never cached), GET never does; only its hash is stored', async () => {
    const { tenant, homeId } = await tenantWithHome();
    const response = await call(t.app, 'POST', `/homes/${homeId}/gateway/secret`, tenant.admin.token);
    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers.etag).toBe('"r2"');
    const issued = response.json() as GatewayView & { clientSecret: string };
    // 32 random bytes, base64url without padding.
    expect(issued.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued).toMatchObject({ homeId, status: 'active', lastUsedAt: null });
    expect(Date.parse(issued.secretIssuedAt as string)).toBeGreaterThan(Date.now() - 60_000);

    const read = await gateway(homeId, tenant.admin.token);
    expect(read.json()).toEqual({ ...issued, clientSecret: undefined });
    expect(read.body).not.toContain(issued.clientSecret);
    const row = await stored(issued.clientId);
    expect(row.secret_hash).toBe(createHash('sha256').update(issued.clientSecret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(issued.clientSecret);

    const audited = await events(tenant.admin.token);
    expect(audited).toEqual([
      expect.objectContaining({
        action: 'gateway.secret_issued',
        target: { type: 'gateway', id: issued.clientId },
        details: { homeId },
      }),
    ]);
    expect(JSON.stringify(audited)).not.toContain(issued.clientSecret);
  });

  it('client_credentials with Basic or body credentials: a Bearer token for the gateway, no refresh token', async () => {
    const { tenant, homeId } = await tenantWithHome();
    const { clientId, clientSecret } = await issue(homeId, tenant.admin.token);
    for (const [form, authorization] of [
      [{ grant_type: 'client_credentials' }, basic(clientId, clientSecret)],
      [{ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'api' }],
    ] as const) {
      const response = await tokenRequest(form, authorization);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      const body = response.json();
      expect(body).toEqual({
        token_type: 'Bearer',
        access_token: expect.stringMatching(UUID),
        expires_in: t.config.accessTokenTtl,
        scope: 'api',
      });
      const scope = await t.app.ctx.services.auth.authenticateBearer(body.access_token);
      expect(scope).toMatchObject({
        role: 'gateway',
        userId: clientId,
        username: `gateway:${clientId}`,
        agentId: tenant.agentId,
        clientId,
        homeAccess: 'groups',
        gatewayHomeId: homeId,
      });
    }
    const tokens = await t.app.ctx.database.db
      .selectFrom('oauth_tokens')
      .select(['kind', 'user_id'])
      .where('client_id', '=', clientId)
      .execute();
    expect(tokens).toEqual([
      { kind: 'access', user_id: null },
      { kind: 'access', user_id: null },
    ]);
    const view = (await gateway(homeId, tenant.admin.token)).json() as GatewayView;
    expect(Date.parse(view.lastUsedAt as string)).toBeGreaterThan(Date.now() - 60_000);
    expectOAuthError(
      await tokenRequest({ grant_type: 'client_credentials', scope: 'admin' }, basic(clientId, clientSecret)),
      400,
      'invalid_scope',
    );
  });

  it('a wrong secret or an unknown client id is 401 invalid_client', async () => {
    const { tenant, homeId } = await tenantWithHome();
    const { clientId, clientSecret } = await issue(homeId, tenant.admin.token);
    const wrong = `${clientSecret.slice(0, -1)}${clientSecret.endsWith('A') ? 'B' : 'A'}`;
    for (const authorization of [
      basic(clientId, wrong),
      basic(clientId, ''),
      basic(randomUUID(), clientSecret),
    ]) {
      const response = await tokenRequest({ grant_type: 'client_credentials' }, authorization);
      expectOAuthError(response, 401, 'invalid_client');
      expect(response.headers['www-authenticate']).toBe('Basic realm="hearth"');
    }
    const body = await tokenRequest({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: wrong,
    });
    expectOAuthError(body, 401, 'invalid_client');
  });

  it('a gateway may use no other grant (unauthorized_client), and its token no route a user has (403)', async () => {
    const { tenant, homeId } = await tenantWithHome();
    const { clientId, clientSecret } = await issue(homeId, tenant.admin.token);
    const auth = basic(clientId, clientSecret);
    const password = await tokenRequest(
      { grant_type: 'password', username: tenant.admin.username, password: tenant.admin.password },
      auth,
    );
    expectOAuthError(password, 400, 'unauthorized_client');
    expectOAuthError(
      await tokenRequest({ grant_type: 'refresh_token', refresh_token: randomUUID() }, auth),
      400,
      'unauthorized_client',
    );

    const token = await gatewayToken(clientId, clientSecret);
    for (const url of ['/homes', `/homes/${homeId}`, `/homes/${homeId}/gateway`, '/users/me']) {
      const response = await call(t.app, 'GET', url, token);
      expect(expectProblem(response, 403, 'forbidden').detail).toContain('(gateway)');
    }
    expectProblem(await call(t.app, 'POST', `/homes/${homeId}/gateway/secret`, token), 403, 'forbidden');
  });

  it('rotation: the old secret stops working and every token it got is refused at once', async () => {
    const { tenant, homeId } = await tenantWithHome();
    const first = await issue(homeId, tenant.admin.token);
    const oldToken = await gatewayToken(first.clientId, first.clientSecret);
    // Used (and so cached) before the rotation: the rotation must reach it anyway.
    expectProblem(await call(t.app, 'GET', '/homes', oldToken), 403, 'forbidden');

    const second = await issue(homeId, tenant.admin.token);
    expect(second.clientId).toBe(first.clientId);
    expect(second.clientSecret).not.toBe(first.clientSecret);
    expectOAuthError(
      await tokenRequest({ grant_type: 'client_credentials' }, basic(first.clientId, first.clientSecret)),
      401,
      'invalid_client',
    );
    const refused = await call(t.app, 'GET', '/homes', oldToken);
    expectProblem(refused, 401, 'invalid_token');
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer realm="hearth", error="invalid_token"/);
    const revoked = await t.app.ctx.database.db
      .selectFrom('oauth_tokens')
      .select('revoked_at')
      .where('client_id', '=', first.clientId)
      .execute();
    expect(revoked.every((row) => row.revoked_at !== null)).toBe(true);

    const newToken = await gatewayToken(second.clientId, second.clientSecret);
    expectProblem(await call(t.app, 'GET', '/homes', newToken), 403, 'forbidden');
    expect((await events(tenant.admin.token)).map((e) => e.action).sort()).toEqual([
      'gateway.secret_issued',
      'gateway.secret_rotated',
    ]);
  });

  it('a token of an earlier secret is refused even if it escaped the revocation (got during the rotation)', async () => {
    const { tenant, homeId } = await tenantWithHome();
    const first = await issue(homeId, tenant.admin.token);
    const oldToken = await gatewayToken(first.clientId, first.clientSecret);
    await issue(homeId, tenant.admin.token);
    // As if the token had been inserted after the rotation's revocation ran.
    await t.app.ctx.database.db
      .updateTable('oauth_tokens')
      .set({ revoked_at: null })
      .where('client_id', '=', first.clientId)
      .execute();
    expectProblem(await call(t.app, 'GET', '/homes', oldToken), 401, 'invalid_token');
  });

  it('DELETE revokes: no token, no login, the tokens it holds refused; a new secret brings it back', async () => {
    const { tenant, homeId } = await tenantWithHome();
    const { clientId, clientSecret } = await issue(homeId, tenant.admin.token);
    const token = await gatewayToken(clientId, clientSecret);
    expectProblem(await call(t.app, 'GET', '/homes', token), 403, 'forbidden');

    const deleted = await call(t.app, 'DELETE', `/homes/${homeId}/gateway/secret`, tenant.admin.token);
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(((await gateway(homeId, tenant.admin.token)).json() as GatewayView).status).toBe('revoked');
    expect((await stored(clientId)).secret_hash).toBeNull();
    expectOAuthError(
      await tokenRequest({ grant_type: 'client_credentials' }, basic(clientId, clientSecret)),
      401,
      'invalid_client',
    );
    expectProblem(await call(t.app, 'GET', '/homes', token), 401, 'invalid_token');
    const services = t.app.ctx.services.gateways;
    expect(await services.authenticateSecret(clientId, clientSecret)).toBeUndefined();
    expect(await services.findActive(clientId)).toBeUndefined();

    // Revoking a revoked gateway changes nothing.
    const etag = (await gateway(homeId, tenant.admin.token)).headers.etag;
    const again = await call(t.app, 'DELETE', `/homes/${homeId}/gateway/secret`, tenant.admin.token);
    expect(again.statusCode, again.body).toBe(204);
    expect((await gateway(homeId, tenant.admin.token)).headers.etag).toBe(etag);

    const renewed = await issue(homeId, tenant.admin.token);
    expect(renewed.status).toBe('active');
    await gatewayToken(clientId, renewed.clientSecret);
    expect((await events(tenant.admin.token)).map((e) => e.action).sort()).toEqual([
      'gateway.secret_issued',
      'gateway.secret_issued',
      'gateway.secret_revoked',
    ]);
  });

  it('the service API the MQTT broker uses: authenticateSecret and findActive', async () => {
    const { tenant, homeId } = await tenantWithHome();
    const gateways = t.app.ctx.services.gateways;
    const { clientId } = (await gateway(homeId, tenant.admin.token)).json() as GatewayView;
    expect(await gateways.findActive(clientId)).toBeUndefined();
    expect(await gateways.authenticateSecret(clientId, '')).toBeUndefined();

    const { clientSecret } = await issue(homeId, tenant.admin.token);
    const identity = { clientId, homeId, agentId: tenant.agentId };
    expect(await gateways.authenticateSecret(clientId, clientSecret)).toEqual(identity);
    expect(await gateways.findActive(clientId)).toEqual(identity);
    expect(await gateways.authenticateSecret(clientId, `${clientSecret}x`)).toBeUndefined();
    expect(await gateways.authenticateSecret(randomUUID(), clientSecret)).toBeUndefined();
    expect(await gateways.findActive(randomUUID())).toBeUndefined();
  });

  it('If-Match: a stale ETag is 412 and changes nothing; the current one is taken', async () => {
    const { tenant, homeId } = await tenantWithHome();
    const etag = (await gateway(homeId, tenant.admin.token)).headers.etag as string;
    const stale = { 'if-match': '"r99"' };
    const url = `/homes/${homeId}/gateway/secret`;
    expectProblem(
      await call(t.app, 'POST', url, tenant.admin.token, undefined, stale),
      412,
      'precondition_failed',
    );
    expectProblem(
      await call(t.app, 'DELETE', url, tenant.admin.token, undefined, stale),
      412,
      'precondition_failed',
    );
    expect(((await gateway(homeId, tenant.admin.token)).json() as GatewayView).status).toBe('no_secret');
    const taken = await call(t.app, 'POST', url, tenant.admin.token, undefined, { 'if-match': etag });
    expect(taken.statusCode, taken.body).toBe(201);
  });

  it('a viewer and an editor may read the gateway but not issue or revoke its secret (403)', async () => {
    const { tenant, homeId } = await tenantWithHome();
    for (const role of ['viewer', 'editor'] as const) {
      const user = await tenant.addUser(role);
      const read = await gateway(homeId, user.token);
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json()).not.toHaveProperty('clientSecret');
      for (const method of ['POST', 'DELETE'] as const) {
        const response = await call(t.app, method, `/homes/${homeId}/gateway/secret`, user.token);
        expect(expectProblem(response, 403, 'forbidden').detail).toContain('gateways.manage');
      }
    }
    expect(((await gateway(homeId, tenant.admin.token)).json() as GatewayView).status).toBe('no_secret');
  });

  it("another agent's admin gets 404 for the gateway, exactly as for a home that does not exist", async () => {
    const { homeId } = await tenantWithHome('Owner');
    const other = await createTenant(t.app, operatorToken, 'Other');
    const absent = randomUUID();
    for (const [method, path] of [
      ['GET', '/gateway'],
      ['POST', '/gateway/secret'],
      ['DELETE', '/gateway/secret'],
    ] as const) {
      const theirs = await call(t.app, method, `/homes/${homeId}${path}`, other.admin.token);
      const missing = await call(t.app, method, `/homes/${absent}${path}`, other.admin.token);
      const shape = (response: LightMyRequestResponse, id: string) => {
        const { requestId: _r, instance: _i, detail, ...rest } = expectProblem(response, 404, 'not_found');
        return { ...rest, detail: String(detail).replace(id, '<id>') };
      };
      expect(shape(theirs, homeId)).toEqual(shape(missing, absent));
    }
    // The operator may manage any agent's gateway.
    const issued = await call(t.app, 'POST', `/homes/${homeId}/gateway/secret`, operatorToken);
    expect(issued.statusCode, issued.body).toBe(201);
  });

  it("a suspended agent's gateway gets no token, and the token it has is refused until reactivation", async () => {
    const { tenant, homeId } = await tenantWithHome('Suspended');
    const { clientId, clientSecret } = await issue(homeId, tenant.admin.token);
    const token = await gatewayToken(clientId, clientSecret);
    expectProblem(await call(t.app, 'GET', '/homes', token), 403, 'forbidden');
    const setStatus = async (status: 'active' | 'suspended') => {
      const response = await call(t.app, 'PUT', `/agents/${tenant.agentId}`, operatorToken, { status });
      expect(response.statusCode, response.body).toBe(200);
    };

    await setStatus('suspended');
    expectOAuthError(
      await tokenRequest({ grant_type: 'client_credentials' }, basic(clientId, clientSecret)),
      401,
      'invalid_client',
    );
    expectProblem(await call(t.app, 'GET', '/homes', token), 403, 'agent_suspended');
    expect(await t.app.ctx.services.gateways.authenticateSecret(clientId, clientSecret)).toBeUndefined();
    expect(await t.app.ctx.services.gateways.findActive(clientId)).toBeUndefined();

    await setStatus('active');
    expectProblem(await call(t.app, 'GET', '/homes', token), 403, 'forbidden');
    await gatewayToken(clientId, clientSecret);
  });

  it('a decommissioned home gets no new secret (409); revoking still works', async () => {
    const { tenant, homeId } = await tenantWithHome();
    await issue(homeId, tenant.admin.token);
    const decommissioned = await call(t.app, 'DELETE', `/homes/${homeId}`, tenant.admin.token);
    expect(decommissioned.statusCode, decommissioned.body).toBe(204);
    expectProblem(
      await call(t.app, 'POST', `/homes/${homeId}/gateway/secret`, tenant.admin.token),
      409,
      'conflict',
    );
    const revoked = await call(t.app, 'DELETE', `/homes/${homeId}/gateway/secret`, tenant.admin.token);
    expect(revoked.statusCode, revoked.body).toBe(204);
  });
});
