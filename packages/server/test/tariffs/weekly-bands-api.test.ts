import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createTenant,
  dialect,
  expectProblem,
  homeWithChannels,
  iso,
  login,
  pushAll,
  startTestApp,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

const HOUR = 3_600_000;
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'];

/** Weekdays 25p / 40p peak / 20p nights; weekends 15p / 12p nights; both nights wrap midnight. */
const WEEK = [
  { from: '07:00', to: '16:00', rate: 25, days: ['fri', 'thu', 'wed', 'tue', 'mon'] },
  { from: '16:00', to: '19:00', rate: 40, days: WEEKDAYS },
  { from: '19:00', to: '07:00', rate: 20, days: WEEKDAYS },
  { from: '04:00', to: '19:00', rate: 15, days: ['sun', 'sat'] },
  { from: '19:00', to: '04:00', rate: 12, days: ['sat', 'sun'] },
];
/** WEEK as answered: days in week order. */
const WEEK_ANSWERED = WEEK.map((b) => ({ ...b, days: b.days.length === 2 ? ['sat', 'sun'] : WEEKDAYS }));

describe(`tariffs with bands of some days of the week (${dialect})`, () => {
  let t: TestApp;
  let a: Tenant;

  beforeAll(async () => {
    t = await startTestApp();
    const operator = (await login(t.app)).access_token;
    a = await createTenant(t.app, operator, 'Weekly bands');
  });
  afterAll(async () => t.close());

  const storedBands = async (id: string) =>
    JSON.parse(
      (
        await t.app.ctx.database.db
          .selectFrom('tariffs')
          .select('bands')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).bands as string,
    );

  it('creates, reads and changes (If-Match) a weekday/weekend tariff; days are answered and stored canonically', async () => {
    const created = await call(t.app, 'POST', '/tariffs', a.admin.token, {
      name: 'Weekends cheaper',
      fuel: 'electricity',
      standingCharge: 50,
      bands: WEEK,
    });
    expect(created.statusCode, created.body).toBe(201);
    const view = created.json();
    expect(view).toMatchObject({ unitRate: null, bands: WEEK_ANSWERED });
    expect(created.headers.etag).toBe('"r1"');
    expect(await storedBands(view.id)).toEqual(WEEK_ANSWERED);
    const read = await call(t.app, 'GET', `/tariffs/${view.id}`, a.admin.token);
    expect(read.json()).toEqual(view);

    // All seven days is every day: answered without days, as a band that never had them.
    const split = [
      { from: '00:00', to: '07:00', rate: 10, days: WEEKDAYS },
      { from: '00:00', to: '07:00', rate: 5, days: ['sun', 'sat'] },
      { from: '07:00', to: '24:00', rate: 30, days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
    ];
    const answered = [
      { from: '00:00', to: '07:00', rate: 10, days: WEEKDAYS },
      { from: '00:00', to: '07:00', rate: 5, days: ['sat', 'sun'] },
      { from: '07:00', to: '24:00', rate: 30 },
    ];
    expectProblem(
      await call(
        t.app,
        'PUT',
        `/tariffs/${view.id}`,
        a.admin.token,
        { bands: split },
        { 'if-match': '"r9"' },
      ),
      412,
      'precondition_failed',
    );
    const changed = await call(
      t.app,
      'PUT',
      `/tariffs/${view.id}`,
      a.admin.token,
      { bands: split },
      { 'if-match': '"r1"' },
    );
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().bands).toEqual(answered);
    expect(changed.headers.etag).toBe('"r2"');
    expect(await storedBands(view.id)).toEqual(answered);

    // A change of other fields keeps the bands and their days.
    const renamed = await call(
      t.app,
      'PUT',
      `/tariffs/${view.id}`,
      a.admin.token,
      { name: 'Split' },
      { 'if-match': '"r2"' },
    );
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Split', bands: answered });
    expect((await call(t.app, 'GET', `/tariffs/${view.id}`, a.admin.token)).json().bands).toEqual(answered);
  });

  it('bad days and bad coverage are a 400 naming the field and the day, and store nothing', async () => {
    const withDays = (days: unknown) => WEEK.map((b, i) => (i === 2 ? { ...b, days } : b));
    const cases: Array<[unknown[], string, string]> = [
      [withDays(['mon', 'Tue', 'wed']), '/body/bands/2/days/1', ''],
      [withDays(['weekdays']), '/body/bands/2/days/0', ''],
      [withDays(['mon', 'tue', 'mon', 'wed', 'thu', 'fri']), '/body/bands/2/days/2', 'mon is named twice'],
      [withDays([]), '/body/bands/2/days', ''],
      [
        [...WEEK, { from: '16:00', to: '19:00', rate: 30, days: ['sat', 'sun'] }],
        '/body/bands/5',
        'band 5 (16:00-19:00, sat sun) overlaps band 3 (04:00-19:00, sat sun) on sat at 16:00',
      ],
      [
        WEEK.slice(0, 4),
        '/body/bands',
        'no band covers 19:00-04:00 on sat sun: bands must cover the whole of each day',
      ],
      [
        WEEK.map((b, i) => (i === 4 ? { ...b, days: ['sun'] } : b)),
        '/body/bands',
        'no band covers 19:00-04:00 on sat',
      ],
    ];
    const before = (await call(t.app, 'GET', '/tariffs?limit=100', a.admin.token)).json().items.length;
    for (const [bands, field, message] of cases) {
      const response = await call(t.app, 'POST', '/tariffs', a.admin.token, {
        name: 'Bad',
        fuel: 'electricity',
        standingCharge: 50,
        bands,
      });
      const problem = expectProblem(response, 400, 'validation_failed');
      expect(problem.errors, JSON.stringify(bands)).toContainEqual(
        expect.objectContaining({ field, message: expect.stringContaining(message) }),
      );
    }
    expect((await call(t.app, 'GET', '/tariffs?limit=100', a.admin.token)).json().items).toHaveLength(before);
  });

  it("insight bills a week of a home's electricity at each day's bands", async () => {
    const tariff = await call(t.app, 'POST', '/tariffs', a.admin.token, {
      name: 'Weekly default',
      fuel: 'electricity',
      standingCharge: 50,
      bands: WEEK,
      isDefault: true,
    });
    expect(tariff.statusCode, tariff.body).toBe(201);
    const { homeId, channel } = await homeWithChannels(t.app, a.admin.token, 'WEEKLY-1', {
      meters: [
        {
          serial: 'EM-W',
          kind: 'electricity_meter',
          measures: 'heat_pump',
          reading: { method: 'push', intervalSeconds: 3600 },
        },
        { serial: 'HM-W', kind: 'heat_meter', reading: { method: 'push', intervalSeconds: 3600 } },
      ],
    });
    const electricity = channel('electricity_meter', 'electricity_energy').id;
    // Monday 2026-11-02 to Monday 2026-11-09 (GMT = UTC): 1 kWh each hour, read at half past, from a
    // baseline the hour before.
    const from = Date.UTC(2026, 10, 2);
    const to = Date.UTC(2026, 10, 9);
    const readings = [];
    for (let hour = from - HOUR, kwh = 1000; hour < to; hour += HOUR) {
      if (hour >= from) kwh += 1;
      readings.push({ channelId: electricity, time: iso(hour + 30 * 60_000), value: kwh });
    }
    await pushAll(t.app, a.admin.token, readings);

    const response = await call(
      t.app,
      'GET',
      `/homes/${homeId}/insight?period=day&from=${iso(from)}&to=${iso(to)}`,
      a.admin.token,
    );
    expect(response.statusCode, response.body).toBe(200);
    const answer = response.json();
    expect(answer.periods).toHaveLength(7);
    // A weekday: 12 night hours at 20p, 9 day hours at 25p, 3 peak hours at 40p = 585p, + 50p.
    // A weekend day: 9 night hours at 12p (00-04 and 19-24), 15 day hours at 15p = 333p, + 50p.
    const friday = answer.periods[4];
    const saturday = answer.periods[5];
    expect(friday).toMatchObject({
      start: '2026-11-06T00:00:00.000Z',
      electricityKwh: 24,
      cost: { electricity: { currency: 'GBP', energy: 5.85, standing: 0.5, total: 6.35 } },
    });
    expect(saturday).toMatchObject({
      start: '2026-11-07T00:00:00.000Z',
      electricityKwh: 24,
      cost: { electricity: { energy: 3.33, standing: 0.5, total: 3.83 } },
    });
    // 5 × 585 + 2 × 333 = 3591p; 7 × 50 = 350p.
    expect(answer.window).toMatchObject({
      electricityKwh: 168,
      cost: {
        electricity: { energy: 35.91, standing: 3.5, total: 39.41, tariffs: [tariff.json().id] },
        total: 39.41,
      },
    });
  });
});
