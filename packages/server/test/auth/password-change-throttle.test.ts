import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASIC_TRUSTED,
  bearer,
  createTenant,
  dialect,
  login,
  startTestApp,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

// PUT /users/me/password with a wrong current password counts as a failed login: the same buckets
// (src/auth/login-throttle.ts), so a stolen access token is no unthrottled way to guess the password.

const WRONG = 'not the password at all';

function changePassword(
  app: FastifyInstance,
  token: string,
  currentPassword: string,
  newPassword: string,
  remoteAddress: string,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'PUT',
    url: '/api/v/1/users/me/password',
    remoteAddress,
    headers: bearer(token),
    payload: { currentPassword, newPassword },
  });
}

function tryLogin(app: FastifyInstance, username: string, password: string, remoteAddress: string) {
  return app.inject({
    method: 'POST',
    url: '/oauth/token',
    remoteAddress,
    headers: { authorization: BASIC_TRUSTED, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'password', username, password }).toString(),
  });
}

function expectWrong(response: LightMyRequestResponse): void {
  expect(response.statusCode, response.body).toBe(400);
  expect(response.json()).toMatchObject({ code: 'password_incorrect' });
}

function expectThrottled(response: LightMyRequestResponse): void {
  expect(response.statusCode, response.body).toBe(429);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.json()).toMatchObject({ code: 'too_many_requests', status: 429 });
  expect(String(response.headers['retry-after'])).toMatch(/^[1-9][0-9]*$/);
  expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(60);
}

/** Simulates time passing for every throttle bucket. */
async function age(t: TestApp, ms: number): Promise<void> {
  await t.app.ctx.database.db
    .updateTable('login_throttle')
    .set((eb) => ({ updated_at: eb('updated_at', '-', ms) }))
    .execute();
}

describe(`password change is throttled like logins (${dialect})`, () => {
  let t: TestApp;
  let tenant: Tenant;
  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t.app, (await login(t.app)).access_token, 'Change');
  });
  afterAll(async () => t.close());

  it('refuses even the right current password after five wrong ones, until the window passes', async () => {
    const user = await tenant.addUser('editor');
    const thief = '203.0.113.90';
    for (let i = 0; i < 5; i++) {
      expectWrong(await changePassword(t.app, user.token, WRONG, 'plum voyage cinder 4411', thief));
    }
    const right = await changePassword(t.app, user.token, user.password, 'plum voyage cinder 4411', thief);
    expectThrottled(right);
    // Nothing changed: the old password still logs in (from elsewhere), the session still works.
    expect((await tryLogin(t.app, user.username, user.password, '203.0.113.91')).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/v/1/users/me', headers: bearer(user.token) })).statusCode).toBe(
      200,
    );

    await age(t, 60 * 60_000);
    const later = await changePassword(t.app, user.token, user.password, 'plum voyage cinder 4411', thief);
    expect(later.statusCode, later.body).toBe(204);
  });

  it('counts failed logins and failed changes in the same buckets', async () => {
    const user = await tenant.addUser('viewer');
    const address = '203.0.113.92';
    for (let i = 0; i < 3; i++) {
      const failed = await tryLogin(t.app, user.username, WRONG, address);
      expect(failed.statusCode).toBe(400);
    }
    for (let i = 0; i < 2; i++) {
      expectWrong(await changePassword(t.app, user.token, WRONG, 'quartz ember willow 5120', address));
    }
    // Five failures in all: the login with the right password is refused...
    const loginRefused = await tryLogin(t.app, user.username, user.password, address);
    expect(loginRefused.statusCode, loginRefused.body).toBe(429);
    expect(loginRefused.json().error).toBe('slow_down');
    // ...and so is the change with the right current password.
    expectThrottled(
      await changePassword(t.app, user.token, user.password, 'quartz ember willow 5120', address),
    );
  });

  it('counts changes across addresses in the account bucket', async () => {
    const user = await tenant.addUser('viewer');
    // Ten wrong guesses from five addresses (two each, under every per-address limit)...
    for (let i = 1; i <= 5; i++) {
      for (let j = 0; j < 2; j++) {
        expectWrong(
          await changePassword(t.app, user.token, WRONG, 'saffron kayak meadow 7', `198.18.1.${i}`),
        );
      }
    }
    // ...empty the account's bucket for any new address, for logins as for changes.
    const change = await changePassword(
      t.app,
      user.token,
      user.password,
      'saffron kayak meadow 7',
      '198.18.1.99',
    );
    expect(change.statusCode, change.body).toBe(429);
    const loginElsewhere = await tryLogin(t.app, user.username, user.password, '198.18.1.98');
    expect(loginElsewhere.statusCode).toBe(429);
    // The owner's own address (where they logged in) still works.
    expect((await tryLogin(t.app, user.username, user.password, '127.0.0.1')).statusCode).toBe(200);
  });
});
