/**
 * Text holding U+0000: PostgreSQL cannot store it in a text column (SQLite can), so it is refused
 * before validation on every route, naming where it is, and both engines answer the same 400. The
 * seeded fuzz campaign (security/fuzz.test.ts) found the 500 this used to be on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createTenant,
  dialect,
  expectProblem,
  login,
  OPERATOR,
  startTestApp,
  type TestApp,
} from '../harness/index.js';

describe(`the NUL character in a request (${dialect})`, () => {
  let t: TestApp;
  let operator: string;

  beforeAll(async () => {
    t = await startTestApp();
    operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  });
  afterAll(() => t?.close());

  it('is a 400 naming the field, in a body, a second route and a query, and nothing changes', async () => {
    const tenant = await createTenant(t.app, operator, 'Nul agent');
    const named = (await call(t.app, 'GET', `/agents/${tenant.agentId}`, operator)).json().name;
    const renamed = await call(t.app, 'PUT', `/agents/${tenant.agentId}`, operator, { name: 'a\u0000b' });
    expect(expectProblem(renamed, 400, 'validation_failed').errors).toEqual([
      { field: '/body/name', message: 'contains the NUL character (U+0000)' },
    ]);
    expect((await call(t.app, 'GET', `/agents/${tenant.agentId}`, operator)).json().name).toBe(named);

    const group = await call(t.app, 'POST', '/home-groups', tenant.admin.token, { name: '\u0000' });
    expect(expectProblem(group, 400, 'validation_failed').errors).toEqual([
      { field: '/body/name', message: 'contains the NUL character (U+0000)' },
    ]);

    const listed = await call(t.app, 'GET', '/homes?q=%00', tenant.admin.token);
    expect(expectProblem(listed, 400, 'validation_failed').errors).toEqual([
      { field: '/query/q', message: 'contains the NUL character (U+0000)' },
    ]);
  });
});
