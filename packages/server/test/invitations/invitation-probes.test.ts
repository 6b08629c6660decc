import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createTenant,
  dialect,
  expectProblem,
  latestMailTo,
  login,
  startTestApp,
  type Tenant,
  type TestApp,
  tokenFromMail,
} from '../harness/index.js';

// A taken username is refused with 409, which says that the username exists somewhere on the
// platform. Such probes are limited per invitation (5, then one a minute) and per client address
// (20, then one every 15 s).

const PASSWORD = 'harbour cinnamon velvet 92';

function accept(
  app: FastifyInstance,
  token: string,
  username: string,
  remoteAddress: string,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/v/1/invitations/acceptance',
    remoteAddress,
    payload: { token, username, password: PASSWORD, name: 'Prober' },
  });
}

function expectThrottled(response: LightMyRequestResponse, maxSeconds: number): void {
  expectProblem(response, 429, 'too_many_requests');
  expect(String(response.headers['retry-after'])).toMatch(/^[1-9][0-9]*$/);
  expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(maxSeconds);
}

describe(`invitation acceptance: username probes are throttled (${dialect})`, () => {
  let t: TestApp;
  let tenant: Tenant;
  let counter = 0;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t.app, (await login(t.app)).access_token, 'Probes');
  });
  afterAll(async () => t.close());

  async function invitation(): Promise<{ id: string; token: string }> {
    const email = `probe-${counter++}-${Date.now()}@example.com`;
    const invited = await t.app.inject({
      method: 'POST',
      url: '/api/v/1/invitations',
      headers: bearer(tenant.admin.token),
      payload: { email, role: 'viewer' },
    });
    expect(invited.statusCode, invited.body).toBe(201);
    return { id: invited.json().id, token: tokenFromMail((await latestMailTo(t.app, email)).text) };
  }

  it('per invitation: five taken usernames, then 429 even for a free one, from any address, for a minute', async () => {
    const { id, token } = await invitation();
    for (let i = 0; i < 5; i++) {
      expectProblem(await accept(t.app, token, tenant.admin.username, `192.0.2.${i + 1}`), 409, 'conflict');
    }
    expectThrottled(await accept(t.app, token, `free-${Date.now()}`, '192.0.2.50'), 60);
    expectThrottled(await accept(t.app, token, tenant.admin.username, '192.0.2.51'), 60);

    // A minute later the invitation may be tried again, and is accepted with a free username.
    await t.app.ctx.database.db
      .updateTable('invitations')
      .set((eb) => ({ probe_at: eb('probe_at', '-', 60_000) }))
      .where('id', '=', id)
      .execute();
    const accepted = await accept(t.app, token, `free-${Date.now()}`, '192.0.2.52');
    expect(accepted.statusCode, accepted.body).toBe(201);
  });

  it('per client address: twenty taken usernames over any invitations, then 429; other addresses go on', async () => {
    const prober = '198.51.100.200';
    for (let n = 0; n < 4; n++) {
      const { token } = await invitation();
      for (let i = 0; i < 5; i++) {
        expectProblem(await accept(t.app, token, tenant.admin.username, prober), 409, 'conflict');
      }
    }
    const fresh = await invitation();
    expectThrottled(await accept(t.app, fresh.token, tenant.admin.username, prober), 15);
    expectThrottled(await accept(t.app, fresh.token, `free-${Date.now()}`, prober), 15);
    // The refusals took nothing from the fresh invitation: from elsewhere it answers as before.
    expectProblem(await accept(t.app, fresh.token, tenant.admin.username, '198.51.100.201'), 409, 'conflict');
    const accepted = await accept(t.app, fresh.token, `free-${Date.now()}`, '198.51.100.201');
    expect(accepted.statusCode, accepted.body).toBe(201);
  });

  it('does not count acceptances that succeed or fail for another reason', async () => {
    const address = '198.51.100.210';
    for (let i = 0; i < 21; i++) {
      const { token } = await invitation();
      const weak = await accept(t.app, token, `weak-${i}-${Date.now()}`, address);
      // The used token, with a taken username, is refused before any username is looked at.
      const refused = await t.app.inject({
        method: 'POST',
        url: '/api/v/1/invitations/acceptance',
        remoteAddress: address,
        payload: { token, username: tenant.admin.username, password: 'password123456', name: 'Weak' },
      });
      expect(weak.statusCode, weak.body).toBe(201);
      expectProblem(refused, 400, 'invitation_invalid');
    }
  });
});
