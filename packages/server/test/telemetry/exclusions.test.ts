import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API,
  call,
  createTenant,
  expectProblem,
  homeWithChannels,
  iso,
  login,
  OPERATOR,
  pushAll,
  type Reading,
  startTestApp,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

/**
 * Exclusions of readings (issue #17): the readings stay stored, leave the rollups, queries,
 * analytics and fault rules while excluded, and come back exactly when the exclusion goes.
 * Values have decimals no binary fraction holds (0.137 kWh, 0.01 °C), so "exactly" means exactly.
 */
let t: TestApp;
let tenant: Tenant;
let editor: { token: string };
let viewer: { token: string };
const HOUR = 3_600_000;
const STEP = 15 * 60_000;
// 2–5 November 2026 (UTC, which is also London's time then).
const FROM = Date.UTC(2026, 10, 2);
const HOURS = 72;
const TO = FROM + HOURS * HOUR;

interface Home {
  homeId: string;
  heat: string;
  flow: string;
  electricity: string;
  outdoor: string;
  power: string;
  readings: Reading[];
}

/** A home with 72 hours of 15-minute readings: heat and electricity registers, temperatures, power. */
async function seededHome(reference: string): Promise<Home> {
  const home = await homeWithChannels(t.app, tenant.admin.token, reference);
  const heat = home.channel('heat_meter', 'heat_energy').id;
  const flow = home.channel('heat_meter', 'flow_temperature').id;
  const electricity = home.channel('electricity_meter', 'electricity_energy').id;
  const power = home.channel('electricity_meter', 'electricity_power').id;
  const outdoor = home.channel('temperature_sensor', 'outdoor_temperature').id;
  const readings: Reading[] = [];
  const round = (v: number, places: number) => Math.round(v * 10 ** places) / 10 ** places;
  for (let k = 0; k < HOURS * 4; k++) {
    const time = iso(FROM + k * STEP);
    readings.push({ channelId: heat, time, value: round(1000 + 0.137 * k + 0.011 * (k % 7), 3) });
    readings.push({ channelId: electricity, time, value: round(300 + 0.041 * k, 3) });
    readings.push({ channelId: flow, time, value: round(38 + 4 * Math.sin(k / 5), 2) });
    readings.push({ channelId: outdoor, time, value: round(6 + 3 * Math.cos(k / 11), 2) });
    readings.push({ channelId: power, time, value: k % 4 < 2 ? 1800 : 15 });
  }
  // One request per channel: each channel's buckets are built in one write, as a backfill is.
  for (const id of [heat, electricity, flow, outdoor, power]) {
    await pushAll(
      t.app,
      tenant.admin.token,
      readings.filter((r) => r.channelId === id),
    );
  }
  return { homeId: home.homeId, heat, flow, electricity, outdoor, power, readings };
}

interface Bucket {
  series: number;
  bucket: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  first_t: number;
  first_v: number;
  last_t: number;
  last_v: number;
  delta: number;
}

async function seriesOf(channelId: string): Promise<number> {
  const row = await t.app.ctx.database.db
    .selectFrom('telemetry_series')
    .select('no')
    .where('channel_id', '=', channelId)
    .executeTakeFirstOrThrow();
  return row.no;
}

/** Every hourly and daily rollup row of some channels, as stored. */
async function rollups(channelIds: string[]): Promise<{ hour: Bucket[]; day: Bucket[] }> {
  const series = await Promise.all(channelIds.map(seriesOf));
  const { db } = t.app.ctx.database;
  const read = async (table: 'rollups_hour' | 'rollups_day') =>
    (
      await db
        .selectFrom(table)
        .selectAll()
        .where('series', 'in', series)
        .orderBy('series')
        .orderBy('bucket')
        .execute()
    ).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)])) as unknown as Bucket);
  return { hour: await read('rollups_hour'), day: await read('rollups_day') };
}

/** The hourly buckets of one channel's readings minus the excluded ones, computed independently. */
function expectedHours(readings: Reading[], channelId: string, excluded: [number, number][]) {
  const out = new Map<number, { count: number; sum: number; min: number; max: number; delta: number }>();
  let previous: number | undefined;
  const mine = readings
    .filter((r) => r.channelId === channelId)
    .map((r) => ({ t: Date.parse(r.time), v: r.value }))
    .filter((r) => !excluded.some(([a, b]) => r.t >= a && r.t < b))
    .sort((a, b) => a.t - b.t);
  for (const { t: time, v } of mine) {
    const rise = previous === undefined ? 0 : Math.max(0, v - previous);
    previous = v;
    const hour = Math.floor(time / HOUR) * HOUR;
    const b = out.get(hour);
    if (!b) out.set(hour, { count: 1, sum: v, min: v, max: v, delta: rise });
    else {
      b.count++;
      b.sum += v;
      b.min = Math.min(b.min, v);
      b.max = Math.max(b.max, v);
      b.delta += rise;
    }
  }
  return out;
}

function expectHoursLike(stored: Bucket[], series: number, expected: ReturnType<typeof expectedHours>) {
  const mine = stored.filter((b) => b.series === series);
  expect(mine.map((b) => b.bucket)).toEqual([...expected.keys()].sort((a, b) => a - b));
  for (const b of mine) {
    const e = expected.get(b.bucket) as NonNullable<ReturnType<(typeof expected)['get']>>;
    expect(b.count, iso(b.bucket)).toBe(e.count);
    expect(b.min, iso(b.bucket)).toBe(e.min);
    expect(b.max, iso(b.bucket)).toBe(e.max);
    expect(b.sum, iso(b.bucket)).toBeCloseTo(e.sum, 9);
    expect(b.delta, iso(b.bucket)).toBeCloseTo(e.delta, 9);
  }
}

const exclusionsUrl = (homeId: string) => `/homes/${homeId}/telemetry/exclusions`;

async function exclude(
  homeId: string,
  channelId: string,
  from: number,
  to: number,
  reason = 'meter swapped by mistake',
): Promise<string> {
  const response = await call(t.app, 'POST', exclusionsUrl(homeId), editor.token, {
    channelId,
    from: iso(from),
    to: iso(to),
    reason,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id as string;
}

async function removeExclusion(homeId: string, id: string): Promise<void> {
  const response = await call(t.app, 'DELETE', `${exclusionsUrl(homeId)}/${id}`, editor.token);
  expect(response.statusCode, response.body).toBe(204);
}

async function rowCounts(): Promise<{ exclusions: number; audit: number }> {
  const { db } = t.app.ctx.database;
  const count = async (table: 'telemetry_exclusions' | 'audit_events') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { exclusions: await count('telemetry_exclusions'), audit: await count('audit_events') };
}

let home: Home;

beforeAll(async () => {
  t = await startTestApp();
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Exclusions');
  editor = await tenant.addUser('editor');
  viewer = await tenant.addUser('viewer');
  home = await seededHome('EXCL-1');
});
afterAll(() => t?.close());

describe('POST, GET, DELETE /homes/{id}/telemetry/exclusions', () => {
  it('creates with 201 and a Location that resolves, lists, removes with 204, and audits both', async () => {
    const body = {
      channelId: home.flow,
      from: '2026-11-03T10:00:00Z',
      to: '2026-11-03T12:30:00+01:00',
      reason: 'sensor came loose from the pipe',
    };
    const created = await call(t.app, 'POST', exclusionsUrl(home.homeId), editor.token, body);
    expect(created.statusCode, created.body).toBe(201);
    const view = created.json();
    expect(view).toMatchObject({
      homeId: home.homeId,
      channelId: home.flow,
      key: 'flow_temperature',
      from: '2026-11-03T10:00:00.000Z',
      to: '2026-11-03T11:30:00.000Z',
      reason: 'sensor came loose from the pipe',
    });
    expect(view.createdBy.username).toMatch(/^editor-|./);
    expect(created.headers.location).toBe(`${API}${exclusionsUrl(home.homeId)}/${view.id}`);
    expect(created.headers.etag).toBe('"r1"');

    const read = await call(t.app, 'GET', created.headers.location as string, viewer.token);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toEqual(view);
    expect(read.headers.etag).toBe('"r1"');

    // The same channel and range again is the same exclusion (a retry), not a second one.
    const again = await call(t.app, 'POST', exclusionsUrl(home.homeId), editor.token, body);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(view);
    expect(again.headers['content-location']).toBe(created.headers.location);
    const otherReason = await call(t.app, 'POST', exclusionsUrl(home.homeId), editor.token, {
      ...body,
      reason: 'another reason',
    });
    expect(expectProblem(otherReason, 409, 'conflict').existingId).toBe(view.id);

    const list = await call(
      t.app,
      'GET',
      `${exclusionsUrl(home.homeId)}?channelId=${home.flow}`,
      viewer.token,
    );
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json()).toEqual({ items: [view], nextCursor: null });
    const none = await call(
      t.app,
      'GET',
      `${exclusionsUrl(home.homeId)}?channelId=${home.heat}`,
      viewer.token,
    );
    expect(none.json().items).toEqual([]);

    // A viewer may read them, not make or remove them.
    expectProblem(
      await call(t.app, 'POST', exclusionsUrl(home.homeId), viewer.token, body),
      403,
      'forbidden',
    );
    expectProblem(
      await call(t.app, 'DELETE', `${exclusionsUrl(home.homeId)}/${view.id}`, viewer.token),
      403,
      'forbidden',
    );
    // A stale If-Match is refused; the current one passes.
    expectProblem(
      await call(t.app, 'DELETE', `${exclusionsUrl(home.homeId)}/${view.id}`, editor.token, undefined, {
        'if-match': '"r7"',
      }),
      412,
      'precondition_failed',
    );
    const removed = await call(
      t.app,
      'DELETE',
      `${exclusionsUrl(home.homeId)}/${view.id}`,
      editor.token,
      undefined,
      {
        'if-match': '"r1"',
      },
    );
    expect(removed.statusCode, removed.body).toBe(204);
    expectProblem(
      await call(t.app, 'GET', created.headers.location as string, viewer.token),
      404,
      'not_found',
    );
    expectProblem(
      await call(t.app, 'DELETE', `${exclusionsUrl(home.homeId)}/${view.id}`, editor.token),
      404,
      'not_found',
    );

    const audit = await call(
      t.app,
      'GET',
      '/audit-events?action=telemetry_exclusion&limit=200',
      tenant.admin.token,
    );
    expect(audit.statusCode, audit.body).toBe(200);
    const events = (
      audit.json().items as { action: string; target: { id: string }; details: unknown }[]
    ).filter((e) => e.target.id === view.id);
    expect(events.map((e) => e.action)).toEqual([
      'telemetry_exclusion.created',
      'telemetry_exclusion.deleted',
    ]);
    for (const e of events) {
      expect(e.details).toEqual({
        homeId: home.homeId,
        channelId: home.flow,
        key: 'flow_temperature',
        from: '2026-11-03T10:00:00.000Z',
        to: '2026-11-03T11:30:00.000Z',
        reason: 'sensor came loose from the pipe',
      });
    }
  });

  it('refuses every bad input with a 4xx naming the problem, storing nothing', async () => {
    const other = await homeWithChannels(t.app, tenant.admin.token, 'EXCL-OTHER');
    const valid = {
      channelId: home.heat,
      from: '2026-11-03T10:00:00Z',
      to: '2026-11-03T11:00:00Z',
      reason: 'bad data',
    };
    const before = await rowCounts();
    const rollupsBefore = await rollups([home.heat]);
    const cases: [Record<string, unknown>, string][] = [
      [{ ...valid, to: valid.from }, '/body/to'],
      [{ ...valid, from: '2026-11-03T12:00:00Z' }, '/body/to'],
      [{ ...valid, from: '3 November 2026' }, '/body/from'],
      [{ ...valid, from: '2026-11-03T10:00:00' }, '/body/from'],
      [{ ...valid, to: '2026-02-30T10:00:00Z' }, '/body/to'],
      [{ ...valid, to: iso(Date.now() + 400 * 24 * HOUR) }, '/body/to'],
      [{ ...valid, reason: '' }, '/body/reason'],
      [{ ...valid, reason: '   ' }, '/body/reason'],
      [{ ...valid, reason: 'x'.repeat(501) }, '/body/reason'],
      [{ ...valid, channelId: '0195f0a0-0000-7000-8000-000000000000' }, '/body/channelId'],
      [{ ...valid, channelId: other.channel('heat_meter', 'heat_energy').id }, '/body/channelId'],
      [{ ...valid, channelId: 'heat_energy' }, '/body/channelId'],
      [{ ...valid, extra: true }, '/body/extra'],
      [(({ reason: _r, ...rest }) => rest)(valid), '/body/reason'],
    ];
    for (const [body, field] of cases) {
      const response = await call(t.app, 'POST', exclusionsUrl(home.homeId), editor.token, body);
      const problem = expectProblem(response, 400, 'validation_failed');
      expect(
        (problem.errors as { field: string }[]).map((e) => e.field),
        `${JSON.stringify(body)}: ${response.body}`,
      ).toContain(field);
    }
    // Another home's id, or one that does not exist: 404, as for every home route.
    expectProblem(
      await call(t.app, 'POST', exclusionsUrl('0195f0a0-0000-7000-8000-000000000001'), editor.token, valid),
      404,
      'not_found',
    );
    expectProblem(
      await call(
        t.app,
        'GET',
        `${exclusionsUrl(other.homeId)}/0195f0a0-0000-7000-8000-000000000002`,
        editor.token,
      ),
      404,
      'not_found',
    );
    expect(await rowCounts()).toEqual(before);
    expect(await rollups([home.heat])).toEqual(rollupsBefore);
  });

  it('an exclusion made in one home is not found under another of the same agent', async () => {
    const other = await homeWithChannels(t.app, tenant.admin.token, 'EXCL-NEIGHBOUR');
    const id = await exclude(home.homeId, home.outdoor, TO - 2 * HOUR, TO - HOUR);
    expectProblem(
      await call(t.app, 'GET', `${exclusionsUrl(other.homeId)}/${id}`, viewer.token),
      404,
      'not_found',
    );
    expectProblem(
      await call(t.app, 'DELETE', `${exclusionsUrl(other.homeId)}/${id}`, editor.token),
      404,
      'not_found',
    );
    await removeExclusion(home.homeId, id);
  });
});

describe('rollups', () => {
  it('leave excluded readings out, and return byte for byte when the exclusion is removed', async () => {
    const channels = [home.heat, home.flow];
    const snapshot = await rollups(channels);
    // From 10:07 to 16:40 on the 3rd: partial hours at both ends, whole hours between.
    const a = FROM + 24 * HOUR + 7 * 60_000;
    const b = FROM + 30 * HOUR + 40 * 60_000;
    const heatId = await exclude(home.homeId, home.heat, a, b);
    const flowId = await exclude(home.homeId, home.flow, a, b);
    const during = await rollups(channels);
    expect(during).not.toEqual(snapshot);
    expectHoursLike(
      during.hour,
      await seriesOf(home.heat),
      expectedHours(home.readings, home.heat, [[a, b]]),
    );
    expectHoursLike(
      during.hour,
      await seriesOf(home.flow),
      expectedHours(home.readings, home.flow, [[a, b]]),
    );
    // The register's rise over the excluded range lands in the hour of the first reading after it,
    // as a gap's does: the total stays, the hours in between have no data.
    const heatSeries = await seriesOf(home.heat);
    const total = (rows: Bucket[]) =>
      rows.filter((r) => r.series === heatSeries).reduce((s, r) => s + r.delta, 0);
    expect(total(during.hour)).toBeCloseTo(total(snapshot.hour), 9);
    expect(total(during.day)).toBeCloseTo(total(snapshot.day), 9);
    expect(during.hour.some((r) => r.series === heatSeries && r.bucket === FROM + 27 * HOUR)).toBe(false);
    // Days equal their hours.
    const dayOf = (series: number, day: number) =>
      during.day.find((r) => r.series === series && r.bucket === day) as Bucket;
    const hoursOf = (series: number, day: number) =>
      during.hour.filter((r) => r.series === series && r.bucket >= day && r.bucket < day + 24 * HOUR);
    for (const series of [heatSeries, await seriesOf(home.flow)]) {
      const day = FROM + 24 * HOUR;
      expect(dayOf(series, day).count).toBe(hoursOf(series, day).reduce((s, r) => s + r.count, 0));
      expect(dayOf(series, day).delta).toBeCloseTo(
        hoursOf(series, day).reduce((s, r) => s + r.delta, 0),
        9,
      );
    }

    await removeExclusion(home.homeId, heatId);
    await removeExclusion(home.homeId, flowId);
    expect(await rollups(channels)).toEqual(snapshot);
  });

  it('overlapping exclusions: a reading is out while any covers it', async () => {
    const snapshot = await rollups([home.heat]);
    const series = await seriesOf(home.heat);
    const first: [number, number] = [FROM + 5 * HOUR, FROM + 9 * HOUR + 30 * 60_000];
    const second: [number, number] = [FROM + 8 * HOUR, FROM + 14 * HOUR];
    const one = await exclude(home.homeId, home.heat, ...first);
    const two = await exclude(home.homeId, home.heat, ...second);
    expectHoursLike(
      (await rollups([home.heat])).hour,
      series,
      expectedHours(home.readings, home.heat, [first, second]),
    );
    await removeExclusion(home.homeId, one);
    expectHoursLike(
      (await rollups([home.heat])).hour,
      series,
      expectedHours(home.readings, home.heat, [second]),
    );
    await removeExclusion(home.homeId, two);
    expect(await rollups([home.heat])).toEqual(snapshot);
  });

  it('late readings into an excluded range stay out, and new ones under an open-ended exclusion too', async () => {
    const late = await seededHome('EXCL-LATE');
    const series = await seriesOf(late.heat);
    const range: [number, number] = [FROM + 20 * HOUR, FROM + 26 * HOUR];
    // Up to the end of the data and beyond: readings still to come are excluded as they arrive.
    const open: [number, number] = [TO + 2 * HOUR, Date.now() + 24 * HOUR];
    const closedId = await exclude(late.homeId, late.heat, ...range);
    const openId = await exclude(late.homeId, late.heat, ...open);
    const extra: Reading[] = [];
    // Late readings between stored ones, inside the range and outside it (value between its neighbours).
    for (const at of [
      FROM + 21 * HOUR + 5 * 60_000,
      FROM + 25 * HOUR + 50 * 60_000,
      FROM + 30 * HOUR + 5 * 60_000,
    ]) {
      const k = Math.floor((at - FROM) / STEP);
      const below = late.readings.filter((r) => r.channelId === late.heat)[k] as Reading;
      extra.push({ channelId: late.heat, time: iso(at), value: below.value + 0.01 });
    }
    // New readings after the data: two before the open exclusion, two inside it.
    for (const [i, at] of [TO + HOUR, TO + HOUR + STEP, TO + 2 * HOUR, TO + 3 * HOUR].entries()) {
      extra.push({ channelId: late.heat, time: iso(at), value: 1040 + i * 0.5 });
    }
    await pushAll(t.app, tenant.admin.token, extra);
    const all = [...late.readings, ...extra];
    expectHoursLike((await rollups([late.heat])).hour, series, expectedHours(all, late.heat, [range, open]));
    // A reading after the open exclusion's readings measures its rise from the last one that counts.
    await removeExclusion(late.homeId, openId);
    expectHoursLike((await rollups([late.heat])).hour, series, expectedHours(all, late.heat, [range]));
    await removeExclusion(late.homeId, closedId);
    expectHoursLike((await rollups([late.heat])).hour, series, expectedHours(all, late.heat, []));
  });

  it('a register reading is judged against the readings that count, not the excluded ones', async () => {
    const judged = await homeWithChannels(t.app, tenant.admin.token, 'EXCL-JUDGED');
    const heat = judged.channel('heat_meter', 'heat_energy').id;
    const at = (minutes: number) => iso(FROM + minutes * 60_000);
    await pushAll(t.app, tenant.admin.token, [
      { channelId: heat, time: at(0), value: 500 },
      { channelId: heat, time: at(10), value: 500.5 },
      // Another meter's register, read by mistake: plausible alone, 1 kWh above the true count.
      { channelId: heat, time: at(20), value: 501.5 },
    ]);
    // 500.9 at 30 minutes is a fall from 501.5: refused while the wrong reading counts.
    const refused = await call(t.app, 'POST', '/telemetry', tenant.admin.token, {
      readings: [{ channelId: heat, time: at(30), value: 500.9 }],
    });
    expect(refused.json().refused.map((r: { reason: string }) => r.reason)).toEqual(['register_fell']);
    await exclude(judged.homeId, heat, FROM + 15 * 60_000, FROM + 25 * 60_000, 'wrong register read');
    await pushAll(t.app, tenant.admin.token, [{ channelId: heat, time: at(30), value: 500.9 }]);
  });
});

describe('queries', () => {
  it('leave excluded readings out unless includeExcluded=true, which marks them', async () => {
    const a = FROM + 40 * HOUR;
    const b = FROM + 41 * HOUR;
    const params = (extra: Record<string, string>) =>
      `/homes/${home.homeId}/telemetry?${new URLSearchParams({
        channels: home.flow,
        from: iso(a - HOUR),
        to: iso(b + HOUR),
        ...extra,
      })}`;
    const hourly = (await call(t.app, 'GET', params({ resolution: 'hour' }), viewer.token)).json();
    const pointsBefore = (await call(t.app, 'GET', params({ points: '12' }), viewer.token)).json();
    const id = await exclude(home.homeId, home.flow, a, b);

    const raw = await call(t.app, 'GET', params({}), viewer.token);
    expect(raw.statusCode, raw.body).toBe(200);
    const times = (raw.json().channels[0].points as { time: string }[]).map((p) => Date.parse(p.time));
    expect(times).toHaveLength(8);
    expect(times.every((x) => x < a || x >= b)).toBe(true);

    const all = (await call(t.app, 'GET', params({ includeExcluded: 'true' }), viewer.token)).json();
    const points = all.channels[0].points as { time: string; excluded?: boolean }[];
    expect(points).toHaveLength(12);
    expect(points.filter((p) => p.excluded).map((p) => p.time)).toEqual(
      [0, 1, 2, 3].map((k) => iso(a + k * STEP)),
    );
    expect(points.filter((p) => !p.excluded).every((p) => !('excluded' in p))).toBe(true);

    const csv = await call(t.app, 'GET', params({ includeExcluded: 'true' }), viewer.token, undefined, {
      accept: 'text/csv',
    });
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('channelId,key,unit,time,value,excluded');
    expect(lines.filter((l) => l.endsWith(',true'))).toHaveLength(4);
    const plainCsv = await call(t.app, 'GET', params({}), viewer.token, undefined, { accept: 'text/csv' });
    expect(plainCsv.body.split('\r\n')[0]).toBe('channelId,key,unit,time,value');
    expect(plainCsv.body.trim().split('\r\n')).toHaveLength(9);

    // Buckets: without the hour, and with includeExcluded as they were.
    const hourlyNow = (await call(t.app, 'GET', params({ resolution: 'hour' }), viewer.token)).json();
    expect(hourlyNow.channels[0].points.map((p: { time: string }) => p.time)).toEqual([
      iso(a - HOUR),
      iso(b),
    ]);
    const hourlyAll = (
      await call(t.app, 'GET', params({ resolution: 'hour', includeExcluded: 'true' }), viewer.token)
    ).json();
    expect(hourlyAll).toEqual(hourly);
    const pointsNow = (await call(t.app, 'GET', params({ points: '12' }), viewer.token)).json();
    expect(pointsNow.channels[0].points).toHaveLength(pointsBefore.channels[0].points.length - 4);
    const pointsAll = (
      await call(t.app, 'GET', params({ points: '12', includeExcluded: 'true' }), viewer.token)
    ).json();
    expect(pointsAll).toEqual(pointsBefore);
    await removeExclusion(home.homeId, id);
    expect((await call(t.app, 'GET', params({ resolution: 'hour' }), viewer.token)).json()).toEqual(hourly);
  });

  it('latest: the newest reading that counts, or with includeExcluded the newest stored, marked', async () => {
    const latestOf = async (query = '') =>
      (
        (await call(t.app, 'GET', `/homes/${home.homeId}/telemetry/latest${query}`, viewer.token)).json()
          .channels as { channelId: string; time: string; value: number; excluded?: boolean }[]
      ).find((c) => c.channelId === home.outdoor);
    const before = await latestOf();
    expect(before?.time).toBe(iso(TO - STEP));
    const id = await exclude(home.homeId, home.outdoor, TO - HOUR, TO + HOUR);
    expect((await latestOf())?.time).toBe(iso(TO - HOUR - STEP));
    expect(await latestOf('?includeExcluded=true')).toEqual({ ...before, excluded: true });
    // The meter still communicates: its status counts every stored reading.
    const meters = (await call(t.app, 'GET', `/homes/${home.homeId}/meters`, viewer.token)).json().items as {
      kind: string;
      status: { lastReadingAt: string };
    }[];
    expect(meters.find((m) => m.kind === 'temperature_sensor')?.status.lastReadingAt).toBe(iso(TO - STEP));
    await removeExclusion(home.homeId, id);
    expect(await latestOf()).toEqual(before);
  });
});

describe('analytics', () => {
  it("performance and insight change when a heat meter's bad day is excluded, and return exactly", async () => {
    const window = `from=${iso(FROM)}&to=${iso(TO)}&period=day`;
    const performance = () => call(t.app, 'GET', `/homes/${home.homeId}/performance?${window}`, viewer.token);
    const insight = () => call(t.app, 'GET', `/homes/${home.homeId}/insight?${window}`, viewer.token);
    const perfBefore = await performance();
    const insightBefore = await insight();
    expect(perfBefore.statusCode, perfBefore.body).toBe(200);
    expect(insightBefore.statusCode, insightBefore.body).toBe(200);
    const day2 = FROM + 24 * HOUR;
    const id = await exclude(
      home.homeId,
      home.heat,
      day2,
      day2 + 24 * HOUR,
      'heat meter read the wrong pipe',
    );

    const perfDuring = (await performance()).json();
    const periods = perfBefore.json().periods as { heatKwh: number; coverage: { percent: number } }[];
    const during = perfDuring.periods as typeof periods;
    // The bad day has no heat and no coverage; its rise lands on the next day's first reading.
    expect(during[1]?.heatKwh).toBe(0);
    expect(during[1]?.coverage.percent).toBe(0);
    expect(periods[1]?.heatKwh).toBeGreaterThan(3);
    expect(during[2]?.heatKwh).toBeCloseTo((periods[1]?.heatKwh ?? 0) + (periods[2]?.heatKwh ?? 0), 3);
    expect(perfDuring.window.coverage.percent).toBeLessThan(perfBefore.json().window.coverage.percent);
    expect((await insight()).body).not.toBe(insightBefore.body);

    await removeExclusion(home.homeId, id);
    expect((await performance()).json()).toEqual(perfBefore.json());
    expect((await insight()).json()).toEqual(insightBefore.json());
  });

  it('fault rules do not see excluded readings: no compressor starts from them', async () => {
    const { loadHomeData } = await import('../../src/faults/loader.js');
    const source = { homes: t.app.ctx.services.homes, telemetry: t.app.ctx.services.telemetryQueries };
    // From an hour before: the first reading read has no predecessor, so it starts nothing.
    const startsIn = async (from: number, to: number) => {
      const data = await loadHomeData(source, home.homeId, from - HOUR, to);
      return (data.hours.get(home.power) ?? []).reduce((s, h) => s + (h.starts ?? 0), 0);
    };
    const a = FROM + 50 * HOUR;
    const b = FROM + 56 * HOUR;
    expect(await startsIn(a, b)).toBe(6);
    const id = await exclude(home.homeId, home.power, a, b);
    expect(await startsIn(a, b)).toBe(0);
    await removeExclusion(home.homeId, id);
    expect(await startsIn(a, b)).toBe(6);
  });
});
