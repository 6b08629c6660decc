import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASIC_TRUSTED, dialect, OPERATOR, startTestApp, type TestApp } from '../harness/index.js';

// Login throttling (src/auth/login-throttle.ts): per account and address 5 tries then one a minute,
// per address 30 then one every 10 s, per account 10 then 90 an hour except from an address the
// account owner logged in from. Time cannot be waited out here: recovery is simulated by ageing
// the stored buckets.

const WRONG = 'not-the-password';

function attempt(
  app: FastifyInstance,
  username: string,
  password: string,
  remoteAddress: string,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/oauth/token',
    remoteAddress,
    headers: { authorization: BASIC_TRUSTED, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'password', username, password }).toString(),
  });
}

/** Sequential attempts (each one's answer waits for the previous), returning every answer. */
async function attempts(
  app: FastifyInstance,
  count: number,
  username: string,
  password: string,
  remoteAddress: string,
): Promise<LightMyRequestResponse[]> {
  const answers: LightMyRequestResponse[] = [];
  for (let i = 0; i < count; i++) answers.push(await attempt(app, username, password, remoteAddress));
  return answers;
}

function expectInvalidGrant(response: LightMyRequestResponse): void {
  expect(response.statusCode, response.body).toBe(400);
  expect(response.json().error).toBe('invalid_grant');
}

/** 429 with an integer Retry-After in seconds, {"error":"slow_down"}, and no token. */
function expectSlowDown(response: LightMyRequestResponse, maxSeconds: number): number {
  expect(response.statusCode, response.body).toBe(429);
  const retryAfter = String(response.headers['retry-after']);
  expect(retryAfter).toMatch(/^[1-9][0-9]*$/);
  expect(Number(retryAfter)).toBeLessThanOrEqual(maxSeconds);
  expect(response.json()).toEqual({ error: 'slow_down', error_description: expect.any(String) });
  expect(response.headers['cache-control']).toBe('no-store');
  return Number(retryAfter);
}

/** Simulates time passing for every bucket. */
async function age(t: TestApp, ms: number): Promise<void> {
  await t.app.ctx.database.db
    .updateTable('login_throttle')
    .set((eb) => ({ updated_at: eb('updated_at', '-', ms) }))
    .execute();
}

describe(`login throttle: one account from one address (${dialect})`, () => {
  let t: TestApp;
  const address = '203.0.113.10';
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('answers five wrong passwords with invalid_grant, then 429 with Retry-After', async () => {
    const answers = await attempts(t.app, 5, OPERATOR.username, WRONG, address);
    for (const answer of answers) expectInvalidGrant(answer);
    expectSlowDown(await attempt(t.app, OPERATOR.username, WRONG, address), 60);
  });

  it('refuses the throttled pair even with the right password', async () => {
    const response = await attempt(t.app, OPERATOR.username, OPERATOR.password, address);
    expectSlowDown(response, 60);
    expect(response.json()).not.toHaveProperty('access_token');
  });

  it('lets the same account log in from another address', async () => {
    const response = await attempt(t.app, OPERATOR.username, OPERATOR.password, '203.0.113.11');
    expect(response.statusCode, response.body).toBe(200);
  });

  it('lets the pair try again once the bucket has refilled', async () => {
    await age(t, 60 * 60_000);
    const response = await attempt(t.app, OPERATOR.username, OPERATOR.password, address);
    expect(response.statusCode, response.body).toBe(200);
  });

  it('does not keep a username typed by mistake (say, a password) in clear text', async () => {
    const typed = 'Correct-Horse-Battery-Staple-typed-as-username';
    expectInvalidGrant(await attempt(t.app, typed, WRONG, '203.0.113.12'));
    const rows = await t.app.ctx.database.db.selectFrom('login_throttle').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows).toLowerCase()).not.toContain(typed.toLowerCase());
  });
});

describe(`login throttle: unknown usernames are throttled like real ones (${dialect})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('gives an unknown username the same sequence of answers as a wrong password', async () => {
    const [real, ghost] = await Promise.all([
      attempts(t.app, 6, OPERATOR.username, WRONG, '203.0.113.20'),
      attempts(t.app, 6, 'no-such-user', WRONG, '203.0.113.21'),
    ]);
    expect(ghost.map((r) => r.statusCode)).toEqual([400, 400, 400, 400, 400, 429]);
    expect(real.map((r) => r.statusCode)).toEqual(ghost.map((r) => r.statusCode));
    for (let i = 0; i < 5; i++) expect(ghost[i]?.body).toBe(real[i]?.body);
    expectSlowDown(ghost[5] as LightMyRequestResponse, 60);
    expectSlowDown(real[5] as LightMyRequestResponse, 60);
  });
});

describe(`login throttle: an attacker cannot lock the owner out (${dialect})`, () => {
  let t: TestApp;
  const home = '192.0.2.10';
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it("keeps the owner's known address open while the account is hammered from elsewhere", async () => {
    // The owner logs in from home: that address becomes known for the account.
    expect((await attempt(t.app, OPERATOR.username, OPERATOR.password, home)).statusCode).toBe(200);

    // Ten failures from five addresses (two each, under every per-address limit) empty the account bucket.
    for (let i = 1; i <= 5; i++) {
      for (const answer of await attempts(t.app, 2, OPERATOR.username, WRONG, `198.18.0.${i}`)) {
        expectInvalidGrant(answer);
      }
    }
    // From any new address the account is now refused, even with the right password...
    const elsewhere = await attempt(t.app, OPERATOR.username, OPERATOR.password, '198.18.0.99');
    expectSlowDown(elsewhere, 3600);
    expect(elsewhere.json()).not.toHaveProperty('access_token');

    // ...but its owner still logs in from home, and a typo there is a plain invalid_grant.
    expect((await attempt(t.app, OPERATOR.username, OPERATOR.password, home)).statusCode).toBe(200);
    expectInvalidGrant(await attempt(t.app, OPERATOR.username, WRONG, home));
    expect((await attempt(t.app, OPERATOR.username, OPERATOR.password, home)).statusCode).toBe(200);
  });

  it('lets the account in from new addresses again after an hour', async () => {
    await age(t, 60 * 60_000);
    expect((await attempt(t.app, OPERATOR.username, OPERATOR.password, '198.18.0.99')).statusCode).toBe(200);
  });
});

describe(`login throttle: parallel guesses (${dialect})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('answers at most five of twelve simultaneous guesses; the rest get 429', async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => attempt(t.app, OPERATOR.username, WRONG, '203.0.113.40')),
    );
    const guessed = answers.filter((a) => a.statusCode === 400);
    const refused = answers.filter((a) => a.statusCode === 429);
    expect(guessed.length).toBeGreaterThan(0);
    expect(guessed.length).toBeLessThanOrEqual(5);
    expect(guessed.length + refused.length).toBe(12);
    for (const answer of guessed) expectInvalidGrant(answer);
    for (const answer of refused) expectSlowDown(answer, 60);
  });
});

describe(`login throttle: one address trying many accounts (${dialect})`, () => {
  let t: TestApp;
  const stuffer = '203.0.113.50';
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('refuses an address after 30 failures whatever the usernames, and only that address', async () => {
    // The bucket refills one try every 10 s, so a slow machine may earn a try or two on the way.
    let failures = 0;
    let refused: LightMyRequestResponse | undefined;
    while (!refused && failures < 40) {
      const answer = await attempt(t.app, `user${failures}`, WRONG, stuffer);
      if (answer.statusCode === 429) refused = answer;
      else {
        expectInvalidGrant(answer);
        failures++;
      }
    }
    expect(failures).toBeGreaterThanOrEqual(30);
    expect(failures).toBeLessThanOrEqual(33);
    expectSlowDown(refused as LightMyRequestResponse, 10);
    expectSlowDown(await attempt(t.app, OPERATOR.username, OPERATOR.password, stuffer), 10);
    expect((await attempt(t.app, OPERATOR.username, OPERATOR.password, '203.0.113.51')).statusCode).toBe(200);
  });
});
