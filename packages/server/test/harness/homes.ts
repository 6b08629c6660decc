import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { call } from './http.js';
import { completeOrder } from './orders.js';

/** Creates an order as `token`'s user and submits it; returns the order id and the home id. */
export async function submitHome(
  app: FastifyInstance,
  token: string,
  reference: string,
  overrides: Record<string, unknown> = {},
): Promise<{ orderId: string; homeId: string }> {
  const draft = await call(app, 'POST', '/orders', token, completeOrder(reference, overrides));
  expect(draft.statusCode, draft.body).toBe(201);
  const orderId = draft.json().id as string;
  const submitted = await call(app, 'POST', `/orders/${orderId}/submission`, token);
  expect(submitted.statusCode, submitted.body).toBe(201);
  return { orderId, homeId: submitted.json().homeId as string };
}

/** Creates a home group as the admin; returns its id. */
export async function createGroup(app: FastifyInstance, adminToken: string, name: string): Promise<string> {
  const response = await call(app, 'POST', '/home-groups', adminToken, { name });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id as string;
}

/** Puts a home in exactly these groups (admin). */
export async function setHomeGroups(
  app: FastifyInstance,
  adminToken: string,
  homeId: string,
  groupIds: string[],
): Promise<void> {
  const response = await call(app, 'PUT', `/homes/${homeId}`, adminToken, { groupIds });
  expect(response.statusCode, response.body).toBe(200);
}

/** Gives a user all the agent's homes (no groups) or only those of some groups (admin). */
export async function setHomeAccess(
  app: FastifyInstance,
  adminToken: string,
  userId: string,
  groupIds: string[] | 'all',
): Promise<void> {
  const homeAccess = groupIds === 'all' ? { mode: 'all' } : { mode: 'groups', groupIds };
  const response = await call(app, 'PUT', `/users/${userId}`, adminToken, { homeAccess });
  expect(response.statusCode, response.body).toBe(200);
}

/**
 * A 404 without the parts that differ per request or per id, so the answer for a home the caller
 * may not see can be compared with the answer for an id that does not exist.
 */
export function notFoundShape(response: LightMyRequestResponse, ...ids: string[]): Record<string, unknown> {
  expect(response.statusCode, response.body).toBe(404);
  const { requestId: _r, instance: _i, detail, ...rest } = response.json() as Record<string, unknown>;
  let text = String(detail);
  for (const id of ids) text = text.replaceAll(id, '<id>');
  return { ...rest, detail: text, contentType: response.headers['content-type'] };
}
