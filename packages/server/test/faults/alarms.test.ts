import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demoFleet,
  type FaultSpec,
  type HomeSpec,
  orderFor,
  type SimReading,
  serialOf,
  simulateHome,
} from '../../../simulator/src/index.js';
import { FaultEvaluator } from '../../src/faults/evaluator.js';
import { loadHomeData } from '../../src/faults/loader.js';
import { FaultsRepository } from '../../src/faults/repository.js';
import { TelemetryQueries } from '../../src/telemetry/query.js';
import {
  call,
  createTenant,
  expectProblem,
  iso,
  login,
  OPERATOR,
  pushAll,
  type Reading,
  startTestApp,
  TEST_PG_URL,
  type Tenant,
  type TestApp,
  timeout,
} from '../harness/index.js';

/**
 * Fault management through the real platform: simulated homes' history pushed over HTTP, judged by
 * the evaluator (POST …/alarms/evaluate runs the same evaluation as the background worker), and
 * the alarms read, filtered, acknowledged and cleared through the API.
 *
 * Three homes, 10 days of 5-minute readings up to now: a healthy one, one whose heat meter's
 * register is reset to 0 on day 4 (a fault long over), one whose gateway went silent three hours
 * ago (a fault still on). (A register rolling back by 50 kWh and counting on from there is refused
 * at ingest, register_fell: it is not what one register can read. A reset is stored.)
 */
const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.now();
const START = Math.floor((NOW - 10 * DAY) / DAY) * DAY;
const ROLLBACK_AT = START + 4 * DAY + 3 * HOUR + 17 * 60_000;
const SILENT_FROM = NOW - 3 * HOUR;

/** An alarm as the API answers it (the fields these tests read). */
interface Alarm {
  id: string;
  rule: string;
  state: string;
  severity: string;
  summary: string;
  raisedAt: string;
  conditionSince: string;
  clearedAt: string;
  clearedBy: string;
  note: string | null;
  acknowledged: boolean;
  evidence: { channelKey: string; meterSerial: string; from: string; to: string };
}

let t: TestApp;
let tenant: Tenant;
let other: Tenant;
const homeIds: Record<'healthy' | 'rollback' | 'silent', string> = { healthy: '', rollback: '', silent: '' };

async function load(spec: HomeSpec): Promise<string> {
  const order = orderFor(spec, { commissioningDate: iso(START).slice(0, 10), delivery: 'push' });
  const draft = await call(t.app, 'POST', '/orders', tenant.admin.token, order);
  expect(draft.statusCode, draft.body).toBe(201);
  const submitted = await call(t.app, 'POST', `/orders/${draft.json().id}/submission`, tenant.admin.token);
  expect(submitted.statusCode, submitted.body).toBe(201);
  const homeId = submitted.json().homeId as string;
  const meters = (await call(t.app, 'GET', `/homes/${homeId}/meters`, tenant.admin.token)).json().items as {
    serial: string;
    channels: { id: string; key: string }[];
  }[];
  const channelOf = (r: SimReading): string | undefined =>
    meters
      .find((m) => m.serial === serialOf(spec.reference, r.meter))
      ?.channels.find((c) => c.key === r.channel)?.id;
  const sim = simulateHome(spec, { start: START });
  let batch: Reading[] = [];
  for (const r of sim.advance(NOW - 60_000)) {
    batch.push({ channelId: channelOf(r) as string, time: iso(r.t), value: r.value });
    if (batch.length === 10_000) {
      await pushAll(t.app, tenant.admin.token, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await pushAll(t.app, tenant.admin.token, batch);
  return homeId;
}

const withFaults = (spec: HomeSpec, reference: string, faults: FaultSpec[]): HomeSpec => ({
  ...spec,
  reference,
  faults,
});

const evaluate = (homeId: string, token = tenant.admin.token) =>
  call(t.app, 'POST', `/homes/${homeId}/alarms/evaluate`, token);
const alarmsOf = async (homeId: string, query = '') => {
  const response = await call(t.app, 'GET', `/homes/${homeId}/alarms?limit=200${query}`, tenant.admin.token);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items as Alarm[];
};

beforeAll(async () => {
  t = await startTestApp();
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Faults');
  other = await createTenant(t.app, operator, 'Faults elsewhere');
  const [base] = demoFleet({ start: START, homes: 1, intervalSeconds: 300, faults: false, prefix: 'FLT' });
  const spec = base as HomeSpec;
  homeIds.healthy = await load(spec);
  homeIds.rollback = await load(
    withFaults(spec, 'FLT-ROLLBACK', [
      {
        kind: 'register_reset',
        channel: 'heat_energy',
        start: ROLLBACK_AT,
        durationMs: DAY,
      },
    ]),
  );
  homeIds.silent = await load(
    withFaults(spec, 'FLT-SILENT', [
      { kind: 'communication_loss', start: SILENT_FROM, durationMs: 365 * DAY },
    ]),
  );
  for (const id of Object.values(homeIds)) {
    const response = await evaluate(id);
    expect(response.statusCode, response.body).toBe(200);
    // The background evaluator may have judged the history already as it arrived: this judges now.
    expect(Date.parse(response.json().evaluatedTo)).toBeGreaterThanOrEqual(NOW);
  }
}, timeout(240_000));
afterAll(() => t?.close());

describe('alarms raised from simulated faults', () => {
  it('raises nothing for the healthy home over its ten days', async () => {
    expect(await alarmsOf(homeIds.healthy)).toEqual([]);
  });

  it('raised a register fall at the rollback, on the heat meter, and cleared it by itself', async () => {
    const alarms = await alarmsOf(homeIds.rollback);
    expect(alarms.map((a) => a.rule)).toEqual(['register_fall']);
    const [alarm] = alarms as [Alarm];
    expect(alarm.state).toBe('cleared');
    expect(alarm.clearedBy).toBe('auto');
    // Judged at each hour boundary: raised at the first one after the fall.
    const raised = Date.parse(alarm.raisedAt);
    expect(raised).toBeGreaterThan(ROLLBACK_AT);
    expect(raised).toBeLessThanOrEqual(ROLLBACK_AT + HOUR);
    expect(Date.parse(alarm.clearedAt)).toBeGreaterThan(raised);
    expect(Date.parse(alarm.clearedAt)).toBeLessThan(ROLLBACK_AT + 2 * DAY);
    expect(alarm.evidence.channelKey).toBe('heat_energy');
    expect(alarm.evidence.meterSerial).toBe(serialOf('FLT-ROLLBACK', 'heat_meter'));
    expect(Date.parse(alarm.evidence.from)).toBeLessThanOrEqual(ROLLBACK_AT);
    expect(Date.parse(alarm.evidence.to)).toBeGreaterThanOrEqual(ROLLBACK_AT);
    const detail = await call(t.app, 'GET', `/alarms/${alarm.id}`, tenant.admin.token);
    expect(detail.statusCode).toBe(200);
    expect(detail.json().history.map((h: { type: string }) => h.type)).toEqual(['raised', 'cleared']);
  });

  it('has an active communication-loss alarm for the silent home, raised after the silence began', async () => {
    const alarms = await alarmsOf(homeIds.silent, '&state=active');
    expect(alarms.map((a) => a.rule)).toContain('communication_lost');
    const alarm = alarms.find((a) => a.rule === 'communication_lost') as Alarm;
    expect(alarm.severity).toBe('major');
    // Lost after 12 intervals of 5 minutes: an hour; judged hourly, so within two.
    expect(Date.parse(alarm.raisedAt)).toBeGreaterThan(SILENT_FROM);
    expect(Date.parse(alarm.raisedAt)).toBeLessThanOrEqual(SILENT_FROM + 2 * HOUR);
    expect(alarm.summary).toMatch(/FLT-SILENT/);
    // The episode began with the silence (the last reading), before the alarm was raised, and the
    // summary tells it from then with the latest evidence beside it.
    expect(Date.parse(alarm.conditionSince)).toBeLessThanOrEqual(Date.parse(alarm.raisedAt));
    expect(Date.parse(alarm.conditionSince)).toBeGreaterThan(SILENT_FROM - HOUR);
    expect(Date.parse(alarm.conditionSince)).toBeLessThanOrEqual(SILENT_FROM);
    expect(alarm.summary).toMatch(/since \d{4}-\d\d-\d\dT\d\d:\d\dZ \(.+\)\. Latest: /);
  });

  it('judging again changes nothing: no second alarm, no new event', async () => {
    const before = await alarmsOf(homeIds.silent);
    const again = await evaluate(homeIds.silent);
    expect(again.statusCode).toBe(200);
    expect(again.json().raised).toBe(0);
    const after = await alarmsOf(homeIds.silent);
    expect(after.map((a) => [a.id, a.state])).toEqual(before.map((a) => [a.id, a.state]));
  });

  it('judging a home whose alarms stay as they are records the evaluation and rewrites no alarm', async () => {
    const { db } = t.app.ctx.database;
    const alarmRows = () =>
      db
        .selectFrom('alarms')
        .select(['id', 'state', 'revision', 'updated_at', 'last_seen_at', 'occurrences'])
        .where('home_id', '=', homeIds.rollback)
        .orderBy('id')
        .execute();
    const evaluation = () =>
      db
        .selectFrom('fault_evaluations')
        .selectAll()
        .where('home_id', '=', homeIds.rollback)
        .executeTakeFirstOrThrow();
    const before = await alarmRows();
    expect(before.map((a) => a.state)).toEqual(['cleared']);
    const judgedBefore = await evaluation();
    const response = await evaluate(homeIds.rollback);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ raised: 0, cleared: 0 });
    expect(await alarmRows()).toEqual(before);
    const judged = await evaluation();
    expect(Number(judged.evaluated_to)).toBeGreaterThan(Number(judgedBefore.evaluated_to));
    expect(Date.parse(response.json().evaluatedTo)).toBe(Number(judged.evaluated_to));
    expect(judged).toMatchObject({ lease_owner: null, lease_until: 0, last_error: null });
  });

  it('an evaluation whose lease was taken over records nothing, whether or not an alarm changed', async () => {
    const { services, config, database } = t.app.ctx;
    const { db } = database;
    const snapshot = async (homeId: string) => ({
      evaluation: await db
        .selectFrom('fault_evaluations')
        .select(['evaluated_to', 'last_run_at', 'due_at'])
        .where('home_id', '=', homeId)
        .executeTakeFirstOrThrow(),
      alarms: await db.selectFrom('alarms').selectAll().where('home_id', '=', homeId).orderBy('id').execute(),
    });
    let before: Awaited<ReturnType<typeof snapshot>> | undefined;
    // Another worker takes the lease over (as if this one had stalled past it) while the evaluation
    // reads its thresholds: after its claim, before it writes.
    const overtaken = new FaultEvaluator({
      db,
      repo: new FaultsRepository(db),
      homes: services.homes,
      telemetry: services.telemetryQueries,
      provisioning: {
        activatePending: (service) => services.provisioning.activatePending(service),
        // The home's own thresholds are read with its agent's, after the claim.
        faultThresholds: async (homeId) => {
          before = await snapshot(homeId);
          await db
            .updateTable('fault_evaluations')
            .set({ lease_owner: 'thief', lease_until: Date.now() + 60_000 })
            .where('home_id', '=', homeId)
            .execute();
          return services.provisioning.faultThresholds(homeId);
        },
      },
      config: config.faults,
      workerId: 'overtaken',
      log: t.app.log,
    });
    try {
      // The healthy home: no alarm changes (the evaluation is recorded in one statement); the silent
      // one: its communication-loss alarm is seen again (recorded in a transaction).
      for (const homeId of [homeIds.healthy, homeIds.silent]) {
        let outcome: unknown = 'busy';
        // The background worker may hold the home for a moment.
        for (let i = 0; i < 100 && outcome === 'busy'; i++) {
          outcome = await overtaken.evaluateHome(homeId, { present: true }).catch((err: unknown) => err);
          if (outcome === 'busy') await new Promise((r) => setTimeout(r, 20));
        }
        expect(outcome).toBeInstanceOf(Error);
        expect((outcome as Error).message).toMatch(/lease was lost/);
        expect(await snapshot(homeId)).toEqual(before);
        const lease = await db
          .selectFrom('fault_evaluations')
          .select('lease_owner')
          .where('home_id', '=', homeId)
          .executeTakeFirstOrThrow();
        expect(lease.lease_owner).toBe('thief');
      }
      expect(before?.alarms.some((a) => a.rule === 'communication_lost' && a.state === 'active')).toBe(true);
    } finally {
      await db
        .updateTable('fault_evaluations')
        .set({ lease_owner: null, lease_until: 0 })
        .where('lease_owner', '=', 'thief')
        .execute();
    }
  });

  it.skipIf(TEST_PG_URL !== undefined)(
    'reads the same home data through the raw SQLite handle as through the query builder',
    async () => {
      const { services, database } = t.app.ctx;
      const builderOnly = new TelemetryQueries({
        db: database.db,
        homes: services.homes,
        agents: services.agents,
        provisioning: services.provisioning,
        maxPoints: t.app.ctx.config.amr.maxPoints,
      });
      const span = [homeIds.rollback, START, NOW + HOUR, NOW - DAY] as const;
      const viaBuilder = await loadHomeData({ homes: services.homes, telemetry: builderOnly }, ...span);
      const viaHandle = await loadHomeData(
        { homes: services.homes, telemetry: services.telemetryQueries },
        ...span,
      );
      const hours = [...viaHandle.hours.values()];
      expect(hours.reduce((n, h) => n + h.length, 0)).toBeGreaterThan(1000);
      expect(hours.some((h) => h.some((b) => b.starts !== undefined))).toBe(true);
      expect(viaHandle).toEqual(viaBuilder);
    },
  );
});

describe('the alarms API', () => {
  it('filters the agent’s alarms by state, severity and rule, and the homes list by active alarms', async () => {
    const active = await call(t.app, 'GET', '/alarms?state=active&limit=200', tenant.admin.token);
    expect(active.statusCode).toBe(200);
    const homes = new Set(active.json().items.map((a: { homeId: string }) => a.homeId));
    expect(homes).toEqual(new Set([homeIds.silent]));
    const byRule = await call(t.app, 'GET', '/alarms?rule=register_fall', tenant.admin.token);
    expect(byRule.json().items.map((a: { homeId: string }) => a.homeId)).toEqual([homeIds.rollback]);
    const minor = await call(t.app, 'GET', '/alarms?severity=critical', tenant.admin.token);
    expect(minor.json().items).toEqual([]);
    const withAlarms = await call(t.app, 'GET', '/homes?hasActiveAlarms=true', tenant.admin.token);
    expect(withAlarms.json().items.map((h: { id: string }) => h.id)).toEqual([homeIds.silent]);
    const without = await call(t.app, 'GET', '/homes?hasActiveAlarms=false', tenant.admin.token);
    expect(
      without
        .json()
        .items.map((h: { id: string }) => h.id)
        .sort(),
    ).toEqual([homeIds.healthy, homeIds.rollback].sort());
  });

  it('pages with a cursor, newest first by default', async () => {
    const all = (await call(t.app, 'GET', '/alarms?limit=200', tenant.admin.token)).json().items as {
      id: string;
    }[];
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.map((a) => a.id)).toEqual(
      all
        .map((a) => a.id)
        .sort()
        .reverse(),
    );
    const first = await call(t.app, 'GET', '/alarms?limit=1', tenant.admin.token);
    expect(first.json().items).toHaveLength(1);
    const next = await call(
      t.app,
      'GET',
      `/alarms?limit=200&cursor=${first.json().nextCursor}`,
      tenant.admin.token,
    );
    expect([...first.json().items, ...next.json().items].map((a: { id: string }) => a.id)).toEqual(
      all.map((a) => a.id),
    );
  });

  it('acknowledges with a note at the revision read, and refuses a stale write with 412', async () => {
    const [alarm] = await alarmsOf(homeIds.silent, '&state=active&rule=communication_lost');
    const read = await call(t.app, 'GET', `/alarms/${alarm?.id}`, tenant.admin.token);
    const etag = read.headers.etag as string;
    const ack = await call(
      t.app,
      'PUT',
      `/alarms/${alarm?.id}`,
      tenant.admin.token,
      {
        acknowledged: true,
        note: 'router replaced on Tuesday',
      },
      { 'if-match': etag },
    );
    expect(ack.statusCode, ack.body).toBe(200);
    expect(ack.json()).toMatchObject({
      acknowledged: true,
      note: 'router replaced on Tuesday',
      state: 'active',
    });
    expect(ack.json().acknowledgedBy).toBe(tenant.admin.id);
    expect(ack.json().history.map((h: { type: string }) => h.type)).toEqual([
      'raised',
      'acknowledged',
      'noted',
    ]);
    const stale = await call(
      t.app,
      'PUT',
      `/alarms/${alarm?.id}`,
      tenant.admin.token,
      { note: 'lost' },
      {
        'if-match': etag,
      },
    );
    expectProblem(stale, 412, 'precondition_failed');
    expect((await call(t.app, 'GET', `/alarms/${alarm?.id}`, tenant.admin.token)).json().note).toBe(
      'router replaced on Tuesday',
    );
  });

  it('refuses bad input with a 400 naming the problem, changing nothing', async () => {
    const [alarm] = await alarmsOf(homeIds.silent, '&state=active&rule=communication_lost');
    for (const body of [{}, { state: 'active' }, { acknowledged: 'yes' }, { colour: 'red' }, { note: '' }]) {
      const response = await call(t.app, 'PUT', `/alarms/${alarm?.id}`, tenant.admin.token, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    for (const query of [
      'severity=catastrophic',
      'rule=gremlins',
      'state=open',
      'from=yesterday',
      'order=up',
      'cursor=zz',
    ]) {
      const response = await call(t.app, 'GET', `/alarms?${query}`, tenant.admin.token);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().detail).toBeTruthy();
    }
    const unknownRule = await call(t.app, 'GET', '/alarms?rule=gremlins', tenant.admin.token);
    expect(unknownRule.json().detail).toMatch(/communication_lost/);
    const after = await call(t.app, 'GET', `/alarms/${alarm?.id}`, tenant.admin.token);
    expect(after.json().note).toBe(alarm?.note ?? 'router replaced on Tuesday');
  });

  it('clears by hand; a condition that persists raises a new alarm at the next evaluation', async () => {
    const [alarm] = await alarmsOf(homeIds.silent, '&state=active&rule=communication_lost');
    const cleared = await call(t.app, 'PUT', `/alarms/${alarm?.id}`, tenant.admin.token, {
      state: 'cleared',
    });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json()).toMatchObject({
      state: 'cleared',
      clearedBy: 'user',
      clearedByUserId: tenant.admin.id,
    });
    expect(await alarmsOf(homeIds.silent, '&state=active&rule=communication_lost')).toEqual([]);
    expect((await evaluate(homeIds.silent)).json().raised).toBe(1);
    const [again] = await alarmsOf(homeIds.silent, '&state=active&rule=communication_lost');
    expect(again?.id).not.toBe(alarm?.id);
  });

  it('hides another agent’s alarms: 404 on every alarm route, absent from lists', async () => {
    const [alarm] = await alarmsOf(homeIds.silent, '&state=active');
    const token = other.admin.token;
    expectProblem(await call(t.app, 'GET', `/alarms/${alarm?.id}`, token), 404, 'not_found');
    expectProblem(
      await call(t.app, 'PUT', `/alarms/${alarm?.id}`, token, { acknowledged: true }),
      404,
      'not_found',
    );
    expectProblem(await call(t.app, 'GET', `/homes/${homeIds.silent}/alarms`, token), 404, 'not_found');
    expectProblem(await evaluate(homeIds.silent, token), 404, 'not_found');
    expect((await call(t.app, 'GET', '/alarms', token)).json().items).toEqual([]);
    expect((await call(t.app, 'GET', `/alarms/${alarm?.id}`, tenant.admin.token)).json().acknowledged).toBe(
      alarm?.acknowledged,
    );
  });
});

describe('rule thresholds', () => {
  it('lists the rules with their defaults and takes an agent’s thresholds', async () => {
    const catalogue = await call(t.app, 'GET', '/fault-rules', tenant.admin.token);
    expect(catalogue.statusCode).toBe(200);
    const rules = catalogue.json().rules as {
      id: string;
      parameters: Record<string, { value: number; default: number }>;
    }[];
    expect(rules.map((r) => r.id)).toContain('communication_lost');
    const put = await call(
      t.app,
      'PUT',
      '/fault-rules',
      tenant.admin.token,
      {
        thresholds: { 'communication_lost.lostIntervals': 24, 'stuck_sensor.enabled': 0 },
      },
      { 'if-match': catalogue.headers.etag as string },
    );
    expect(put.statusCode, put.body).toBe(200);
    const lost = put.json().rules.find((r: { id: string }) => r.id === 'communication_lost');
    expect(lost.parameters.lostIntervals).toMatchObject({ value: 24, default: 12 });
    expect(put.json().rules.find((r: { id: string }) => r.id === 'stuck_sensor').enabled).toBe(false);
    const stale = await call(
      t.app,
      'PUT',
      '/fault-rules',
      tenant.admin.token,
      { thresholds: {} },
      {
        'if-match': catalogue.headers.etag as string,
      },
    );
    expectProblem(stale, 412, 'precondition_failed');
  });

  it('refuses unknown rules, parameters and out-of-range values, for the agent and in a home’s definition', async () => {
    for (const thresholds of [
      { 'gremlins.count': 1 },
      { 'communication_lost.patience': 3 },
      { 'communication_lost.lostIntervals': 1 },
      { 'stuck_sensor.enabled': 2 },
    ]) {
      const response = await call(t.app, 'PUT', '/fault-rules', tenant.admin.token, { thresholds });
      expectProblem(response, 400, 'validation_failed');
      expect(response.json().errors[0].field).toMatch(/^\/body\/thresholds/);
    }
    const definitions = (
      await call(t.app, 'GET', `/homes/${homeIds.healthy}/provisioning`, tenant.admin.token)
    ).json().items as { id: string; service: string }[];
    const fm = definitions.find((d) => d.service === 'fault_management') as { id: string };
    const bad = await call(
      t.app,
      'PUT',
      `/homes/${homeIds.healthy}/provisioning/${fm.id}`,
      tenant.admin.token,
      {
        settings: { thresholds: { 'communication_lost.patience': 3 } },
      },
    );
    expectProblem(bad, 400, 'validation_failed');
    expect(bad.json().detail).toMatch(/patience/);
    const good = await call(
      t.app,
      'PUT',
      `/homes/${homeIds.healthy}/provisioning/${fm.id}`,
      tenant.admin.token,
      {
        settings: { thresholds: { 'communication_lost.lostIntervals': 36 } },
      },
    );
    expect(good.statusCode, good.body).toBe(200);
  });
});
