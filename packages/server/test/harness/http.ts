import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { newToken } from '../../src/auth/tokens.js';
import { BASIC_TRUSTED, bearer } from './app.js';
import type { LiveResponse } from './live.js';

/** The API prefix every route of these tests lives under. */
export const API = '/api/v/1';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One API call: `token` is the caller's access token (none for public routes). */
export function call(
  app: FastifyInstance,
  method: Method,
  url: string,
  token?: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url: url.startsWith('/api/') ? url : `${API}${url}`,
    headers: { ...(token ? bearer(token) : {}), ...headers },
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
}

/** A problem document as the API sends it: status, code, type, title, detail, requestId, and for 400s `errors`. */
// biome-ignore lint/suspicious/noExplicitAny: a test reads whatever the problem holds
export type Problem = Record<string, any> & { errors: Array<{ field: string; message: string }> };

/**
 * Asserts an RFC 9457 problem with this status and code, from `app.inject` or over real HTTP
 * (`listen`): problem+json, a type, title and detail, and the request id the x-request-id header
 * carries. Returns the body.
 */
export function expectProblem(
  response: LightMyRequestResponse | LiveResponse,
  status: number,
  code: string,
): Problem {
  const injected = 'statusCode' in response;
  const text = injected ? response.body : response.text;
  const header = (name: string) => (injected ? response.headers[name] : response.headers.get(name));
  expect(injected ? response.statusCode : response.status, text).toBe(status);
  expect(header('content-type')).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(text) as Problem;
  expect(body).toMatchObject({
    status,
    code,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(body.requestId).toBe(header('x-request-id'));
  return body;
}

/** A problem without the parts that differ per request, to compare two answers for sameness. */
export function sameAnswer(response: LightMyRequestResponse): Record<string, unknown> {
  const { requestId: _requestId, instance: _instance, ...rest } = response.json() as Record<string, unknown>;
  return { status: response.statusCode, ...rest };
}

/** A token of the right shape that no invitation has. */
export const unknownToken = (): string => newToken();

/** Polls `probe` until it returns something truthy; fails naming `what` after timeoutMs. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A password-grant login as a raw response (for the failures a user would see). */
export function tryLogin(
  app: FastifyInstance,
  username: string,
  password: string,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { authorization: BASIC_TRUSTED, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'password', username, password }).toString(),
  });
}

/** A refresh-token grant as a raw response (the trusted client's). */
export function tryRefresh(app: FastifyInstance, refreshToken: string): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { authorization: BASIC_TRUSTED, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
  });
}

/** Every page of a list, following `Link: rel="next"`; fails if an id comes twice. */
export async function allPages<T extends { id: string }>(
  app: FastifyInstance,
  url: string,
  token: string,
): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined = url.startsWith('/api/') ? url : `${API}${url}`;
  while (next) {
    const response = await call(app, 'GET', next, token);
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json() as { items: T[]; nextCursor: string | null };
    items.push(...page.items);
    const link = response.headers.link as string | undefined;
    if (page.nextCursor) {
      expect(link).toMatch(/^<[^>]+>; rel="next"$/);
      next = /^<([^>]+)>/.exec(link ?? '')?.[1];
    } else {
      expect(link).toBeUndefined();
      next = undefined;
    }
  }
  expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
  return items;
}
