import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can } from '../../src/auth/permissions.js';
import { CACHEABLE_API_ROUTES } from '../../src/http/headers.js';
import {
  type Account,
  type Agent,
  dialect,
  type Live,
  type LiveResponse,
  listen,
  OPERATOR,
  SecurityFixture,
  startTestApp,
  type Target,
  type TestApp,
} from '../harness/index.js';
import { type ApiRoute, apiRoutes, type RouteContext, routeName } from './routes.js';

// Issue #18 part 4, over real HTTP: every answer is nosniff, every page has a CSP with
// frame-ancestors 'none' and X-Frame-Options, and API answers holding personal data are no-store.
// Driven from the security suite's table, so a new route is covered the day it is added.

/** Route families whose answers hold personal data (names, emails, occupants, addresses, secrets). */
const PERSONAL_FAMILIES = [
  /^\/users/,
  /^\/invitations/,
  /^\/orders/,
  /^\/homes(\/:id)?$/,
  /^\/fleet/,
  /^\/audit-events/,
  /^\/notification-subscriptions/,
  /^\/webhooks/,
  /^\/homes\/:id\/reports/,
  /^\/homes\/:id\/provisioning/,
  /^\/alarms/,
  /^\/integration-clients/,
];

/** What an answer holds that is personal: an email, the fixture occupant, a property address. */
const PERSONAL_DATA = /@example\.com|Olive Occupant|\+44 1286|"addressLines"|"postcode"/;

const expectDocumentHeaders = (response: LiveResponse, what: string) => {
  expect(response.headers.get('content-type'), what).toMatch(/text\/html|image\/svg/);
  expect(response.headers.get('content-security-policy'), what).toMatch(/(^|;)\s*frame-ancestors 'none'/);
  expect(response.headers.get('x-frame-options'), what).toBe('DENY');
  expect(response.headers.get('x-content-type-options'), what).toBe('nosniff');
};

describe(`security headers over real HTTP: every route of the table (${dialect})`, () => {
  let t: TestApp;
  let live: Live;
  let fx: SecurityFixture;
  let alpha: Agent;

  beforeAll(async () => {
    t = await startTestApp();
    live = await listen(t.app);
    fx = await SecurityFixture.start(t.app, OPERATOR);
    alpha = await fx.agent('Headers');
  });
  afterAll(async () => t?.close());

  /** A valid request of the route by a role that may make it (the agent's admin, else the operator). */
  async function allowed(route: ApiRoute): Promise<LiveResponse> {
    // A route that changes its caller (a password, logging out everywhere) gets an account of its own.
    const caller: Account = route.changesCaller
      ? await alpha.account('viewer')
      : route.permission === 'public' || can('admin', route.permission)
        ? alpha.admin
        : fx.operator;
    let path: string = route.path;
    let target: Target | undefined;
    if (route.id) {
      const id = await route.id.make(fx, alpha.agentId);
      path = path.replace(':id', id);
      target = { id };
      if (route.id.child) {
        const child = await route.id.child.make(fx, id);
        path = path.replace(`:${route.id.child.param}`, child);
        target.params = { [route.id.child.param]: child };
      }
    }
    // The target goes to the body too: an exclusion's body names a channel of the home in the path.
    const ctx: RouteContext = { fx, caller, agentId: alpha.agentId, ...(target ? { target } : {}) };
    const query = route.query ? `?${new URLSearchParams(route.query(ctx))}` : '';
    const body = route.body ? await route.body(ctx) : undefined;
    return live.request(route.method, `${path}${query}`, {
      ...(route.permission === 'public' ? {} : { token: caller.token }),
      ...(body !== undefined ? { body } : {}),
      ...(route.csv ? { headers: { 'content-type': 'text/csv' } } : {}),
    });
  }

  it.each(apiRoutes.filter((r) => !r.pending).map((r) => [routeName(r), r] as const))(
    '%s: nosniff, and no-store when it holds personal data',
    async (name, route) => {
      const response = await allowed(route);
      expect(response.status, response.text).toBe(route.success);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const cacheControl = response.headers.get('cache-control');
      // (The public OpenAPI document names the fields, not anyone's data.)
      const personal =
        PERSONAL_FAMILIES.some((family) => family.test(route.path)) ||
        (route.permission !== 'public' && PERSONAL_DATA.test(response.text));
      if (personal) expect(cacheControl, `${name} holds personal data`).toBe('no-store');
      // Only the listed reads may be cached; every write and every other read is no-store.
      const cacheable = route.method === 'GET' && CACHEABLE_API_ROUTES.has(route.path);
      if (!cacheable) expect(cacheControl, name).toBe('no-store');
      else expect(personal, `${name} is listed as cacheable but holds personal data`).toBe(false);
    },
  );

  it('every cacheable route is a GET route of the table (no stale entries)', () => {
    const gets = new Set(apiRoutes.filter((r) => r.method === 'GET').map((r) => r.path));
    for (const route of CACHEABLE_API_ROUTES) expect(gets.has(route as `/${string}`), route).toBe(true);
  });

  it('errors are nosniff and no-store too: no token, an unknown route, a malformed URL', async () => {
    for (const [path, status] of [
      ['/users/me', 401],
      ['/no-such-route', 404],
      ['/homes/%zz', 400],
      ['/api/v/99/homes', 404],
    ] as const) {
      const response = await live.request('GET', path);
      expect(response.status, path).toBe(status);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('cache-control'), path).toBe('no-store');
    }
  });

  it('the token endpoint keeps no-store and gets nosniff', async () => {
    const response = await live.request('POST', '/oauth/token', {
      body: 'grant_type=password&username=x&password=y',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'Basic dHJ1c3RlZDpzZWNyZXQ=',
      },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('every HTML page: the invitation page, /docs, /errors, a monthly report; framing refused', async () => {
    const home = await fx.home(alpha.agentId);
    const pages: Array<[string, LiveResponse]> = [
      ['/invitations/accept', await live.request('GET', '/invitations/accept?token=x', { root: true })],
      ['/docs', await live.request('GET', '/docs/', { root: true })],
      ['/docs/static/index.html', await live.request('GET', '/docs/static/index.html', { root: true })],
      ['/errors', await live.request('GET', '/errors', { root: true })],
      [
        'report',
        await live.request('GET', `/homes/${home.id}/reports/monthly?month=2026-10`, {
          token: alpha.admin.token,
          headers: { accept: 'text/html' },
        }),
      ],
    ];
    for (const [what, response] of pages) {
      expect(response.status, `${what}: ${response.text.slice(0, 200)}`).toBe(200);
      expectDocumentHeaders(response, what);
    }
    // A page's own policy is kept (the invitation page's nonce, the report's inline styles).
    const [, invitation] = pages[0] as [string, LiveResponse];
    expect(invitation.headers.get('content-security-policy')).toMatch(
      /^default-src 'none'; script-src 'nonce-/,
    );
    expect(invitation.headers.get('cache-control')).toBe('no-store');
    const [, report] = pages[4] as [string, LiveResponse];
    expect(report.headers.get('content-security-policy')).toMatch(
      /^default-src 'none'; style-src 'unsafe-inline'/,
    );
    expect(report.headers.get('cache-control'), 'a report names the home and its address').toBe('no-store');
  });
});
