import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, dialect, login, startTestApp, type TestApp } from './harness/index.js';

describe(`users/me on ${dialect}`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  it('returns the operator for the operator token', async () => {
    const { access_token } = await login(t.app);
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v/1/users/me',
      headers: bearer(access_token),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ username: 'operator', role: 'operator', agent: null });
  });
});
