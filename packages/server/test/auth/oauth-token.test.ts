import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASIC_TRUSTED,
  bearer,
  dialect,
  OPERATOR,
  SEED_TYPO_BASIC,
  startTestApp,
  type TestApp,
} from '../harness/index.js';

// RFC 6749 §3.2, §4.3, §5.1, §5.2: the token endpoint, password grant.

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FORM = 'application/x-www-form-urlencoded';
const GOOD = { grant_type: 'password', username: OPERATOR.username, password: OPERATOR.password };

interface TokenCall {
  /** Form parameters (a string is sent as the body as it stands). */
  form?: Record<string, string> | string;
  json?: unknown;
  /** Content-Type to send; defaults to the form or JSON type. */
  contentType?: string;
  /** Authorization header; defaults to the trusted client, null sends none. */
  authorization?: string | null;
  remoteAddress?: string;
}

function tokenRequest(app: FastifyInstance, call: TokenCall): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {};
  if (call.authorization !== null) headers.authorization = call.authorization ?? BASIC_TRUSTED;
  let payload: string | undefined;
  if (call.json !== undefined) {
    headers['content-type'] = call.contentType ?? 'application/json';
    payload = JSON.stringify(call.json);
  } else if (call.form !== undefined) {
    headers['content-type'] = call.contentType ?? FORM;
    payload = typeof call.form === 'string' ? call.form : new URLSearchParams(call.form).toString();
  }
  return app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers,
    ...(payload !== undefined ? { payload } : {}),
    ...(call.remoteAddress ? { remoteAddress: call.remoteAddress } : {}),
  });
}

/** RFC 6749 §5.1 / §5.2: no token response may be cached, success or error. */
function expectNoStore(response: LightMyRequestResponse): void {
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers.pragma).toBe('no-cache');
}

/** An RFC 6749 §5.2 error: status, JSON body with `error` and a description, no-store. */
function expectOAuthError(response: LightMyRequestResponse, status: number, error: string): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json();
  expect(body.error).toBe(error);
  expect(typeof body.error_description).toBe('string');
  expectNoStore(response);
}

describe(`POST /oauth/token, password grant (${dialect})`, () => {
  let t: TestApp;
  // Each wrong-credential test uses its own client address, so the login throttle stays out of the way.
  let address = 0;
  const nextAddress = () => `198.51.100.${++address}`;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t.close());

  describe('success (§4.3.3, §5.1)', () => {
    it('answers 200 with a Bearer token in the seed shape, a lifetime and a refresh token, never cached', async () => {
      const response = await tokenRequest(t.app, { form: GOOD });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expectNoStore(response);
      const body = response.json();
      expect(body).toEqual({
        token_type: 'Bearer',
        access_token: expect.stringMatching(UUID_SHAPE),
        expires_in: t.config.accessTokenTtl,
        refresh_token: expect.stringMatching(UUID_SHAPE),
        scope: 'api',
      });
      expect(body.refresh_token).not.toBe(body.access_token);
    });

    it('gives an access token that works on GET /api/v/1/users/me', async () => {
      const { access_token } = (await tokenRequest(t.app, { form: GOOD })).json();
      const me = await t.app.inject({
        method: 'GET',
        url: '/api/v/1/users/me',
        headers: bearer(access_token),
      });
      expect(me.statusCode, me.body).toBe(200);
      expect(me.json()).toMatchObject({ username: OPERATOR.username, role: 'operator', agent: null });
    });

    it('mints a different token at every login', async () => {
      const first = (await tokenRequest(t.app, { form: GOOD })).json();
      const second = (await tokenRequest(t.app, { form: GOOD })).json();
      expect(second.access_token).not.toBe(first.access_token);
      expect(second.refresh_token).not.toBe(first.refresh_token);
    });

    it('also accepts a JSON body, as some existing clients send', async () => {
      const response = await tokenRequest(t.app, { json: GOOD });
      expect(response.statusCode, response.body).toBe(200);
      expectNoStore(response);
      expect(response.json()).toMatchObject({
        token_type: 'Bearer',
        access_token: expect.stringMatching(UUID_SHAPE),
      });
    });

    it('accepts the client credentials in the body instead of Basic (§2.3.1)', async () => {
      const response = await tokenRequest(t.app, {
        authorization: null,
        form: { ...GOOD, client_id: 'trusted', client_secret: 'secret' },
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().access_token).toMatch(UUID_SHAPE);
    });

    it('takes the username case-insensitively', async () => {
      const response = await tokenRequest(t.app, {
        form: { ...GOOD, username: OPERATOR.username.toUpperCase() },
      });
      expect(response.statusCode, response.body).toBe(200);
    });

    it('accepts scope=api and answers with the granted scope', async () => {
      const response = await tokenRequest(t.app, { form: { ...GOOD, scope: 'api' } });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().scope).toBe('api');
    });

    it('ignores unknown parameters (§3.2)', async () => {
      const response = await tokenRequest(t.app, { form: { ...GOOD, state: 'xyz', foo: 'bar' } });
      expect(response.statusCode, response.body).toBe(200);
    });

    it('treats a parameter sent without a value as omitted (§3.2)', async () => {
      const response = await tokenRequest(t.app, { form: `${new URLSearchParams(GOOD)}&scope=` });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().scope).toBe('api');
    });
  });

  describe('invalid_request (§5.2)', () => {
    it('without grant_type', async () => {
      const { grant_type: _, ...rest } = GOOD;
      expectOAuthError(await tokenRequest(t.app, { form: rest }), 400, 'invalid_request');
    });

    it('with an empty grant_type', async () => {
      expectOAuthError(
        await tokenRequest(t.app, { form: { ...GOOD, grant_type: '' } }),
        400,
        'invalid_request',
      );
    });

    it('without username', async () => {
      const { username: _, ...rest } = GOOD;
      const response = await tokenRequest(t.app, { form: rest });
      expectOAuthError(response, 400, 'invalid_request');
      expect(response.json().error_description).toMatch(/username/);
    });

    it('without password', async () => {
      const { password: _, ...rest } = GOOD;
      const response = await tokenRequest(t.app, { form: rest });
      expectOAuthError(response, 400, 'invalid_request');
      expect(response.json().error_description).toMatch(/password/);
    });

    it('with an empty password, which §3.2 treats as omitted', async () => {
      expectOAuthError(
        await tokenRequest(t.app, { form: { ...GOOD, password: '' } }),
        400,
        'invalid_request',
      );
    });

    it('when grant_type is repeated', async () => {
      const response = await tokenRequest(t.app, {
        form: `grant_type=password&grant_type=password&username=${OPERATOR.username}&password=${OPERATOR.password}`,
      });
      expectOAuthError(response, 400, 'invalid_request');
      expect(response.json().error_description).toMatch(/grant_type.*repeated/);
    });

    it('when another parameter (password) is repeated', async () => {
      const response = await tokenRequest(t.app, {
        form: `grant_type=password&username=${OPERATOR.username}&password=a&password=${OPERATOR.password}`,
      });
      expectOAuthError(response, 400, 'invalid_request');
      expect(response.json().error_description).toMatch(/password.*repeated/);
    });

    it('for a text/plain body (neither form nor JSON)', async () => {
      const response = await tokenRequest(t.app, {
        form: new URLSearchParams(GOOD).toString(),
        contentType: 'text/plain',
      });
      expectOAuthError(response, 400, 'invalid_request');
    });

    it('for malformed JSON', async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { authorization: BASIC_TRUSTED, 'content-type': 'application/json' },
        payload: '{"grant_type": "password",',
      });
      expectOAuthError(response, 400, 'invalid_request');
    });

    it('without any body', async () => {
      expectOAuthError(await tokenRequest(t.app, {}), 400, 'invalid_request');
    });

    it('when the client authenticates with Basic and client_id in the body at once', async () => {
      const response = await tokenRequest(t.app, { form: { ...GOOD, client_id: 'trusted' } });
      expectOAuthError(response, 400, 'invalid_request');
    });

    it('when the client authenticates with Basic and client_secret in the body at once', async () => {
      const response = await tokenRequest(t.app, {
        form: { ...GOOD, client_id: 'trusted', client_secret: 'secret' },
      });
      expectOAuthError(response, 400, 'invalid_request');
    });
  });

  describe('invalid_client (§5.2: 401 with WWW-Authenticate)', () => {
    function expectInvalidClient(response: LightMyRequestResponse): void {
      expectOAuthError(response, 401, 'invalid_client');
      expect(response.headers['www-authenticate']).toMatch(/^Basic realm="hearth"/);
    }

    it("for the seed's own header, which decodes to trusted:secXet", async () => {
      expect(Buffer.from(SEED_TYPO_BASIC.slice('Basic '.length), 'base64').toString()).toBe('trusted:secXet');
      expectInvalidClient(await tokenRequest(t.app, { authorization: SEED_TYPO_BASIC, form: GOOD }));
    });

    it('for an unknown client', async () => {
      const unknown = `Basic ${Buffer.from('someone:secret').toString('base64')}`;
      expectInvalidClient(await tokenRequest(t.app, { authorization: unknown, form: GOOD }));
    });

    it('without any client authentication', async () => {
      expectInvalidClient(await tokenRequest(t.app, { authorization: null, form: GOOD }));
    });

    it('for a wrong client_secret in the body', async () => {
      const response = await tokenRequest(t.app, {
        authorization: null,
        form: { ...GOOD, client_id: 'trusted', client_secret: 'secXet' },
      });
      expectInvalidClient(response);
    });

    it('for client_id in the body without a secret', async () => {
      const response = await tokenRequest(t.app, {
        authorization: null,
        form: { ...GOOD, client_id: 'trusted' },
      });
      expectInvalidClient(response);
    });

    it('for an Authorization header that is not Basic', async () => {
      expectInvalidClient(await tokenRequest(t.app, { authorization: 'Bearer abc', form: GOOD }));
    });

    it('for Basic credentials without a colon', async () => {
      const noColon = `Basic ${Buffer.from('trustedsecret').toString('base64')}`;
      expectInvalidClient(await tokenRequest(t.app, { authorization: noColon, form: GOOD }));
    });

    it('issues no token with a wrong client even when the user password is right', async () => {
      const response = await tokenRequest(t.app, { authorization: SEED_TYPO_BASIC, form: GOOD });
      expect(response.json()).not.toHaveProperty('access_token');
    });
  });

  describe('invalid_grant (§5.2), without revealing which usernames exist', () => {
    it('for a wrong password', async () => {
      const response = await tokenRequest(t.app, {
        form: { ...GOOD, password: 'wrong-password' },
        remoteAddress: nextAddress(),
      });
      expectOAuthError(response, 400, 'invalid_grant');
      expect(response.json()).not.toHaveProperty('access_token');
    });

    it('for an unknown user, with exactly the answer of a wrong password', async () => {
      const wrongPassword = await tokenRequest(t.app, {
        form: { ...GOOD, password: 'wrong-password' },
        remoteAddress: nextAddress(),
      });
      const unknownUser = await tokenRequest(t.app, {
        form: { ...GOOD, username: 'nobody-by-this-name', password: 'wrong-password' },
        remoteAddress: nextAddress(),
      });
      expectOAuthError(unknownUser, 400, 'invalid_grant');
      expect(unknownUser.statusCode).toBe(wrongPassword.statusCode);
      expect(unknownUser.body).toBe(wrongPassword.body);
      for (const header of ['content-type', 'cache-control', 'pragma', 'www-authenticate', 'retry-after']) {
        expect(unknownUser.headers[header], header).toEqual(wrongPassword.headers[header]);
      }
    });

    it('for a username far longer than any account, without a server error', async () => {
      // Random hex does not compress: PostgreSQL refuses index entries above ~2.7 kB.
      const long = Array.from({ length: 400 }, () => Math.random().toString(16).slice(2, 12)).join('');
      const response = await tokenRequest(t.app, {
        form: { ...GOOD, username: long, password: 'x' },
        remoteAddress: nextAddress(),
      });
      expectOAuthError(response, 400, 'invalid_grant');
    });
  });

  describe('unsupported_grant_type (§5.2)', () => {
    for (const grant of ['authorization_code', 'implicit', 'urn:example:custom']) {
      it(`for grant_type=${grant}`, async () => {
        const response = await tokenRequest(t.app, { form: { ...GOOD, grant_type: grant } });
        expectOAuthError(response, 400, 'unsupported_grant_type');
      });
    }

    // client_credentials exists (for home gateways, test/gateways): the default client may not use it.
    it('but unauthorized_client for grant_type=client_credentials from a client not configured for it', async () => {
      const response = await tokenRequest(t.app, { form: { grant_type: 'client_credentials' } });
      expectOAuthError(response, 400, 'unauthorized_client');
    });
  });

  describe('invalid_scope (§5.2)', () => {
    it('for scope=admin', async () => {
      expectOAuthError(
        await tokenRequest(t.app, { form: { ...GOOD, scope: 'admin' } }),
        400,
        'invalid_scope',
      );
    });

    it('for a known scope next to an unknown one', async () => {
      const response = await tokenRequest(t.app, { form: { ...GOOD, scope: 'api admin' } });
      expectOAuthError(response, 400, 'invalid_scope');
    });
  });

  it('answers 405 with Allow to GET /oauth/token', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/oauth/token' });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toContain('POST');
  });
});

describe(`POST /oauth/token with configured clients (${dialect})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      HEARTH_OAUTH_CLIENTS: JSON.stringify([
        { id: 'trusted', secret: 'secret', grants: ['password', 'refresh_token'] },
        { id: 'machine', secret: 'machine-secret', grants: ['client_credentials'] },
        { id: 'no-refresh', secret: 'nr-secret', grants: ['password'] },
        { id: 'odd:id', secret: 'sec ret+', grants: ['password'] },
      ]),
    });
  });
  afterAll(async () => t.close());

  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  it('answers unauthorized_client to a client not configured for the password grant', async () => {
    const response = await tokenRequest(t.app, {
      authorization: basic('machine', 'machine-secret'),
      form: GOOD,
    });
    expectOAuthError(response, 400, 'unauthorized_client');
    expect(response.json()).not.toHaveProperty('access_token');
  });

  it('answers unauthorized_client in the body-credentials variant too', async () => {
    const response = await tokenRequest(t.app, {
      authorization: null,
      form: { ...GOOD, client_id: 'machine', client_secret: 'machine-secret' },
    });
    expectOAuthError(response, 400, 'unauthorized_client');
  });

  it('answers unauthorized_client to client_credentials from a configured client: no user is behind it', async () => {
    const response = await tokenRequest(t.app, {
      authorization: basic('machine', 'machine-secret'),
      form: { grant_type: 'client_credentials' },
    });
    expectOAuthError(response, 400, 'unauthorized_client');
    expect(response.json().error_description).toMatch(/only home gateways/);
    expect(response.json()).not.toHaveProperty('access_token');
  });

  it('still authenticates a client before telling it what it may not do', async () => {
    const response = await tokenRequest(t.app, { authorization: basic('machine', 'wrong'), form: GOOD });
    expectOAuthError(response, 401, 'invalid_client');
  });

  it('gives a client without the refresh_token grant no refresh token', async () => {
    const response = await tokenRequest(t.app, {
      authorization: basic('no-refresh', 'nr-secret'),
      form: GOOD,
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.access_token).toMatch(UUID_SHAPE);
    expect(body).not.toHaveProperty('refresh_token');
  });

  it('decodes Basic credentials form-encoded per §2.3.1', async () => {
    const encoded = basic(encodeURIComponent('odd:id'), encodeURIComponent('sec ret+'));
    const response = await tokenRequest(t.app, { authorization: encoded, form: GOOD });
    expect(response.statusCode, response.body).toBe(200);
  });

  it('keeps the default client working next to the others', async () => {
    const response = await tokenRequest(t.app, { form: GOOD });
    expect(response.statusCode, response.body).toBe(200);
  });
});
