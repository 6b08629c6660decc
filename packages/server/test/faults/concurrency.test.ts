import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultEvaluator } from '../../src/faults/evaluator.js';
import { FaultsRepository } from '../../src/faults/repository.js';
import {
  call,
  completeOrder,
  createTenant,
  login,
  OPERATOR,
  startTestApp,
  type Tenant,
  type TestApp,
  timeout,
} from '../harness/index.js';

/**
 * Several workers judging the same home at once: the lease lets one in at a time, and the
 * database refuses a second active alarm for one home and rule whatever the workers do.
 *
 * The home was created two days ago and has never sent a reading: its meters are lost
 * (communication_lost), a condition every worker finds.
 */
let t: TestApp;
let tenant: Tenant;
let homeId: string;

function worker(id: string): FaultEvaluator {
  const { services, config, database } = t.app.ctx;
  return new FaultEvaluator({
    db: database.db,
    repo: new FaultsRepository(database.db),
    homes: services.homes,
    telemetry: services.telemetryQueries,
    provisioning: services.provisioning,
    config: config.faults,
    workerId: id,
    log: t.app.log,
  });
}

beforeAll(async () => {
  t = await startTestApp();
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Concurrent faults');
  const draft = await call(t.app, 'POST', '/orders', tenant.admin.token, completeOrder('CONC-1'));
  expect(draft.statusCode, draft.body).toBe(201);
  const submitted = await call(t.app, 'POST', `/orders/${draft.json().id}/submission`, tenant.admin.token);
  homeId = submitted.json().homeId;
  // Created two days ago (readings are expected from a home's creation on).
  await t.app.ctx.database.db
    .updateTable('homes')
    .set({ created_at: Date.now() - 2 * 86_400_000 })
    .where('id', '=', homeId)
    .execute();
}, timeout(60_000));
afterAll(() => t?.close());

const activeAlarms = () =>
  t.app.ctx.database.db
    .selectFrom('alarms')
    .select(['id', 'rule'])
    .where('home_id', '=', homeId)
    .where('state', '=', 'active')
    .execute();

describe('concurrent evaluation', () => {
  it('four workers judging one home at once: one holds the lease at a time, one alarm per rule', async () => {
    const workers = ['w1', 'w2', 'w3', 'w4'].map(worker);
    for (let round = 0; round < 3; round++) {
      const outcomes = await Promise.all(workers.map((w) => w.evaluateHome(homeId, { present: true })));
      const judged = outcomes.filter((o) => o !== 'busy' && o !== undefined);
      expect(judged.length).toBeGreaterThanOrEqual(1);
      const active = await activeAlarms();
      const rules = active.map((a) => a.rule);
      expect(rules).toContain('communication_lost');
      expect(new Set(rules).size).toBe(rules.length);
    }
    const lease = await t.app.ctx.database.db
      .selectFrom('fault_evaluations')
      .select(['lease_owner', 'lease_until'])
      .where('home_id', '=', homeId)
      .executeTakeFirstOrThrow();
    expect(lease.lease_owner).toBeNull();
  });

  it('two evaluations in one process (one worker id) never hold the lease together', async () => {
    // The background pass and a person's POST …/evaluate share the process's worker id: before
    // each evaluation had its own lease token, both got in and raced to insert the same alarm.
    const shared = worker('same-process');
    const outcomes = await Promise.all([
      shared.evaluateHome(homeId, { present: true }),
      shared.evaluateHome(homeId, { present: true }),
      worker('same-process').evaluateHome(homeId, { present: true }),
    ]);
    expect(outcomes.filter((o) => o === 'busy')).toHaveLength(2);
    const rules = (await activeAlarms()).map((a) => a.rule);
    expect(new Set(rules).size).toBe(rules.length);
  });

  it("a person's evaluate meeting the worker's own evaluation of the home waits for it: 200, not 409 or 500", async () => {
    const background = t.app.ctx.services.faultEvaluator.evaluateHome(homeId, { present: true });
    const responses = await Promise.all(
      [1, 2, 3].map(() => call(t.app, 'POST', `/homes/${homeId}/alarms/evaluate`, tenant.admin.token)),
    );
    for (const response of responses) expect(response.statusCode, response.body).toBe(200);
    expect(await background).toMatchObject({ homeId });
    const rules = (await activeAlarms()).map((a) => a.rule);
    expect(rules).toContain('communication_lost');
    expect(new Set(rules).size).toBe(rules.length);
  });

  it('a worker holding the lease keeps the others out until it lets go', async () => {
    const repo = new FaultsRepository(t.app.ctx.database.db);
    const now = Date.now();
    expect(await repo.claim(homeId, 'holder', now, now + 60_000)).toBeDefined();
    expect(await worker('w5').evaluateHome(homeId, { present: true })).toBe('busy');
    const response = await call(t.app, 'POST', `/homes/${homeId}/alarms/evaluate`, tenant.admin.token);
    expect(response.statusCode).toBe(409);
    expect(response.json().detail).toMatch(/Another worker/);
    await repo.release(homeId, 'holder', { dueAt: now, lastRunAt: now, lastError: null });
    expect(await worker('w5').evaluateHome(homeId, { present: true })).toMatchObject({ homeId });
  });

  it('the database refuses a second active alarm for one home and rule (not luck: a constraint)', async () => {
    const [existing] = await activeAlarms();
    const row = await t.app.ctx.database.db
      .selectFrom('alarms')
      .selectAll()
      .where('id', '=', existing?.id as string)
      .executeTakeFirstOrThrow();
    const insert = (id: string, state: 'active' | 'cleared') =>
      t.app.ctx.database.db
        .insertInto('alarms')
        .values({ ...row, id, state })
        .execute();
    await expect(insert('01a20000-0000-7000-8000-000000000001', 'active')).rejects.toThrow();
    await expect(insert('01a20000-0000-7000-8000-000000000002', 'cleared')).resolves.toBeDefined();
    expect((await activeAlarms()).filter((a) => a.rule === row.rule)).toHaveLength(1);
  });
});

describe('when a judged home is next due', () => {
  const evaluation = () =>
    t.app.ctx.database.db
      .selectFrom('fault_evaluations')
      .select(['due_at', 'last_run_at'])
      .where('home_id', '=', homeId)
      .executeTakeFirstOrThrow();

  it('a scan interval after its evaluation, not at once (a home due since long ago is not judged over and over)', async () => {
    const { config, database } = t.app.ctx;
    // Due since its take-up, as every home the pass picks up is.
    await database.db
      .updateTable('fault_evaluations')
      .set({ due_at: Date.now() - 86_400_000 })
      .where('home_id', '=', homeId)
      .execute();
    // The app's own worker: should its background pass be judging the home, this waits for it.
    expect(await t.app.ctx.services.faultEvaluator.evaluateHome(homeId, { wait: true })).toMatchObject({
      homeId,
    });
    const row = await evaluation();
    expect(Number(row.due_at)).toBe(Number(row.last_run_at) + config.faults.scanIntervalMs);
    const due = await new FaultsRepository(database.db).due(Date.now(), 100);
    expect(due.map((d) => d.home_id)).not.toContain(homeId);
  });

  it('within the stream delay when readings arrived during its evaluation', async () => {
    const { services, config, database } = t.app.ctx;
    const repo = new FaultsRepository(database.db);
    let touchedAt = 0;
    // Readings arrive (the telemetry write touches the home) while the evaluation reads its thresholds.
    const touching = new FaultEvaluator({
      db: database.db,
      repo,
      homes: services.homes,
      telemetry: services.telemetryQueries,
      provisioning: {
        activatePending: (service) => services.provisioning.activatePending(service),
        // The home's own thresholds are read with its agent's, during the evaluation.
        faultThresholds: async (home) => {
          touchedAt = Date.now();
          await repo.touch([home], touchedAt, touchedAt + config.faults.streamDelayMs);
          return services.provisioning.faultThresholds(home);
        },
      },
      config: config.faults,
      workerId: 'touching',
      log: t.app.log,
    });
    expect(await touching.evaluateHome(homeId)).toMatchObject({ homeId });
    const row = await evaluation();
    expect(Number(row.due_at)).toBeLessThanOrEqual(touchedAt + config.faults.streamDelayMs);
  });
});
