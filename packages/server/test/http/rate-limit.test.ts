import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, login, startTestApp, type Tenant, type TestApp } from '../harness/index.js';

/**
 * Per-caller request limits (HEARTH_RATE_LIMIT requests a minute), over real HTTP on loopback:
 * the caller past the limit gets 429 too_many_requests with Retry-After; other callers do not
 * notice; requests refused before they reach a handler do not count.
 */
async function listening(overrides: Record<string, string>): Promise<{ t: TestApp; base: string }> {
  const t = await startTestApp(overrides);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  return { t, base: `http://127.0.0.1:${port}` };
}

const get = (base: string, path: string, token?: string) =>
  fetch(`${base}/api/v/1${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

describe('HEARTH_RATE_LIMIT=5: five requests a minute per caller', () => {
  let t: TestApp;
  let base: string;
  let viewer: { token: string };
  let colleague: { token: string };
  let editor: { token: string };
  beforeAll(async () => {
    ({ t, base } = await listening({ HEARTH_RATE_LIMIT: '5' }));
    // Set up through inject with the operator's first token, which the tests below do not use.
    // (The admin's invitations count against the admin, who is not one of the callers below.)
    const tenant: Tenant = await createTenant(t.app, (await login(t.app)).access_token, 'Limited');
    viewer = await tenant.addUser('viewer');
    colleague = await tenant.addUser('viewer');
    editor = await tenant.addUser('editor');
  });
  afterAll(() => t?.close());

  it('answers the sixth request of a minute 429 too_many_requests with Retry-After, and the limit in headers', async () => {
    const token = viewer.token;
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 5; i++) {
      const ok = await get(base, '/users/me', token);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-ratelimit-limit')).toBe('5');
      remaining.push(ok.headers.get('x-ratelimit-remaining'));
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);

    const refused = await get(base, '/users/me', token);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const problem = (await refused.json()) as { status: number; code: string; detail: string };
    expect(problem).toMatchObject({ status: 429, code: 'too_many_requests' });
    expect(problem.detail).toContain('More than 5 requests in a minute');
    expect(problem.detail).toContain(`${retryAfter} s`);
    // Every route, not only this one: the limit is the caller's.
    expect((await get(base, '/homes', token)).status).toBe(429);
  });

  it("counts per caller: another user of the same agent is not slowed by the first one's script", async () => {
    for (let i = 0; i < 5; i++) expect((await get(base, '/home-groups', colleague.token)).status).toBe(200);
    expect((await get(base, '/home-groups', colleague.token)).status).toBe(429);
  });

  it('does not count requests refused before they run: no token, a bad token, a bad parameter', async () => {
    const fresh = editor;
    for (let i = 0; i < 8; i++) {
      expect((await get(base, '/homes')).status).toBe(401);
      expect((await get(base, '/homes', 'not-a-token')).status).toBe(401);
      expect((await get(base, '/homes?limit=many', fresh.token)).status).toBe(400);
    }
    // None of those 24 counted: all five of the minute are still there.
    const first = await get(base, '/homes', fresh.token);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-remaining')).toBe('4');
  });
});

describe('HEARTH_RATE_LIMIT=0: no limit', () => {
  let t: TestApp;
  let base: string;
  let token: string;
  beforeAll(async () => {
    ({ t, base } = await listening({ HEARTH_RATE_LIMIT: '0' }));
    token = (await login(t.app)).access_token;
  });
  afterAll(() => t?.close());

  it('answers every request and sends no limit headers', async () => {
    for (let i = 0; i < 30; i++) {
      const response = await get(base, '/users/me', token);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBeNull();
    }
  });
});
