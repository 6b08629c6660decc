import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  completeOrder,
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
  timeout,
} from '../harness/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// November: Europe/London is on UTC, so the agent's local days are UTC days.
const FROM = Date.UTC(2026, 10, 10);
const DAYS = 2;

let t: TestApp;
let tenant: Tenant;
let homeId: string;
let energy: string;
let flow: string;
const raw = new Map<string, { t: number; v: number }[]>();

interface Point {
  time: string;
  value: number;
  min?: number;
  max?: number;
  first?: number;
  last?: number;
  count?: number;
}

/** The slow reference: buckets of width w straight from the raw readings, as the docs define them. */
function reference(channelId: string, from: number, to: number, w: number, register: boolean): Point[] {
  const rows = raw.get(channelId) ?? [];
  const out: (Required<Point> & { bucket: number; sum: number; delta: number })[] = [];
  let previous: number | undefined;
  for (const { t: time, v } of rows) {
    const rise = previous === undefined || v < previous ? 0 : v - previous;
    previous = v;
    if (time < from || time >= to) continue;
    const bucket = Math.floor(time / w) * w;
    let current = out.at(-1);
    if (current?.bucket !== bucket) {
      current = {
        bucket,
        time: iso(bucket),
        value: 0,
        min: v,
        max: v,
        first: v,
        last: v,
        count: 0,
        sum: 0,
        delta: 0,
      };
      out.push(current);
    }
    current.count += 1;
    current.sum += v;
    current.delta += rise;
    current.min = Math.min(current.min, v);
    current.max = Math.max(current.max, v);
    current.last = v;
  }
  return out.map(({ bucket: _b, sum, delta, ...p }) => ({ ...p, value: register ? delta : sum / p.count }));
}

/** Floating sums differ in the last bits by the order they were added in. */
function expectClose(
  actual: Point[],
  expected: Point[],
  keys: readonly (keyof Point)[] = ['value', 'min', 'max', 'first', 'last', 'count'],
) {
  expect(actual.map((p) => p.time)).toEqual(expected.map((p) => p.time));
  actual.forEach((p, i) => {
    const e = expected[i] as Point;
    for (const key of keys) {
      expect(p[key], `${p.time} ${key}`).toBeCloseTo(e[key] as number, 9);
    }
  });
}

beforeAll(async () => {
  t = await startTestApp();
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Points');
  const home = await homeWithChannels(t.app, tenant.admin.token, 'POINTS-1');
  homeId = home.homeId;
  energy = home.channel('heat_meter', 'heat_energy').id;
  flow = home.channel('heat_meter', 'flow_temperature').id;
  // One reading a minute with gaps (every 7th minute missing, and a silent hour), a register that
  // rises unevenly and is reset once, and a temperature that wanders. Readings start an hour
  // before FROM, so the first bucket's delta is measured from a reading before the range.
  const readings: Reading[] = [];
  const e: { t: number; v: number }[] = [];
  const f: { t: number; v: number }[] = [];
  let register = 500;
  for (let m = -60; m < DAYS * 24 * 60; m++) {
    if (m % 7 === 3 || (m >= 600 && m < 660)) continue;
    const time = FROM + m * MINUTE;
    // A register only counts up, and a reset restarts near 0 (ingest refuses anything else).
    register = m === 1500 ? 0.2 : register + ((((m * 37) % 11) + 11) % 11) / 100;
    const temperature = 35 + 10 * Math.sin(m / 50) + (m % 3);
    e.push({ t: time, v: register });
    f.push({ t: time, v: temperature });
    readings.push({ channelId: energy, time: iso(time), value: register });
    readings.push({ channelId: flow, time: iso(time), value: temperature });
  }
  raw.set(energy, e);
  raw.set(flow, f);
  await pushAll(t.app, tenant.admin.token, readings);
});
afterAll(() => t?.close());

const query = (params: Record<string, string>, id = homeId) =>
  call(t.app, 'GET', `/homes/${id}/telemetry?${new URLSearchParams(params)}`, tenant.admin.token);

async function reduced(from: number, to: number, points: number) {
  const response = await query({
    channels: `${energy},${flow}`,
    from: iso(from),
    to: iso(to),
    points: String(points),
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as {
    from: string;
    resolution: string;
    bucketSeconds: number;
    channels: { channelId: string; agg: string; points: Point[] }[];
  };
}

describe('GET /homes/{id}/telemetry?points=', () => {
  it('reduces minute widths from the raw readings exactly as the slow reference does', async () => {
    // 6 h at 400 points: one-minute buckets; at 100 points, 5 minutes (2 minutes would need 177).
    for (const [from, to, points, width] of [
      [FROM + 7 * MINUTE, FROM + 6 * HOUR, 400, MINUTE],
      [FROM + 7 * MINUTE, FROM + 6 * HOUR, 100, 5 * MINUTE],
      [FROM + 8 * HOUR + 3 * MINUTE, FROM + 12 * HOUR, 20, 15 * MINUTE],
      [FROM + 24 * HOUR, FROM + 26 * HOUR, 10, 15 * MINUTE],
    ] as const) {
      const body = await reduced(from, to, points);
      expect(body.resolution).toBe('auto');
      expect(body.bucketSeconds).toBe(width / 1000);
      expect(body.from).toBe(iso(Math.floor(from / width) * width));
      const [e, f] = body.channels;
      expect(e?.agg).toBe('delta');
      expect(f?.agg).toBe('avg');
      const start = Math.floor(from / width) * width;
      expectClose(e?.points ?? [], reference(energy, start, to, width, true));
      expectClose(f?.points ?? [], reference(flow, start, to, width, false));
      expect(e?.points.length).toBeLessThanOrEqual(points);
    }
  });

  it('answers the existing hour and day buckets for hour and day widths, with min, max, first and last', async () => {
    const to = FROM + DAYS * DAY;
    const body = await reduced(FROM, to, 48);
    expect(body.bucketSeconds).toBe(3600);
    for (const channel of body.channels) {
      const hour = await query({
        channels: channel.channelId,
        from: iso(FROM),
        to: iso(to),
        resolution: 'hour',
      });
      expect(hour.statusCode, hour.body).toBe(200);
      const expected = hour.json().channels[0].points as Point[];
      expect(channel.points.map(({ time, value, count }) => ({ time, value, count }))).toEqual(expected);
      expectClose(channel.points, reference(channel.channelId, FROM, to, HOUR, channel.agg === 'delta'));
    }
    // 10 points over 2 days: 6-hour buckets merged from the hourly rollups.
    const six = await reduced(FROM, to, 10);
    expect(six.bucketSeconds).toBe(6 * 3600);
    for (const channel of six.channels) {
      expectClose(channel.points, reference(channel.channelId, FROM, to, 6 * HOUR, channel.agg === 'delta'));
    }
    // 10 days at 10 points: UTC days, which here are the agent's local days too.
    const days = await reduced(FROM, FROM + 10 * DAY, 10);
    expect(days.bucketSeconds).toBe(86_400);
    for (const channel of days.channels) {
      const day = await query({
        channels: channel.channelId,
        from: iso(FROM),
        to: iso(FROM + 10 * DAY),
        resolution: 'day',
      });
      // Day rollups add a day's readings in one sum, these add its hours': equal to rounding.
      expectClose(channel.points, day.json().channels[0].points as Point[], ['value', 'count']);
    }
  });

  it('refuses points with resolution or agg, and out of range, naming the field', async () => {
    const bad = async (params: Record<string, string>, field: string) => {
      const problem = expectProblem(await query(params), 400, 'validation_failed');
      expect(JSON.stringify(problem.errors)).toContain(field);
    };
    await bad({ points: '100', resolution: 'hour' }, '/query/resolution');
    await bad({ points: '100', resolution: 'raw' }, '/query/resolution');
    await bad({ points: '100', agg: 'max' }, '/query/agg');
    await bad({ points: '9' }, '/query/points');
    await bad({ points: '5001' }, '/query/points');
    await bad({ points: 'many' }, '/query/points');
  });

  it(
    'reduces a year of one-minute readings of one channel to at most 1000 points',
    async () => {
      const to = Date.UTC(2026, 11, 1);
      const from = to - 365 * DAY;
      const { homeId: yearHome, channel } = await homeWithChannels(t.app, tenant.admin.token, 'POINTS-YEAR', {
        installation: { ...completeOrder('POINTS-YEAR').installation, commissioningDate: '2025-11-01' },
      });
      const temperature = channel('heat_meter', 'flow_temperature').id;
      const minutes = (to - from) / MINUTE;
      for (let m = 0; m < minutes; m += 10_000) {
        const batch: Reading[] = [];
        for (let k = m; k < Math.min(minutes, m + 10_000); k++)
          batch.push({ channelId: temperature, time: iso(from + k * MINUTE), value: k % 60 });
        await pushAll(t.app, tenant.admin.token, batch);
      }
      const response = await query(
        { channels: temperature, from: iso(from), to: iso(to), points: '1000' },
        yearHome,
      );
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      const points = body.channels[0].points as Point[];
      expect(body.bucketSeconds).toBe(12 * 3600);
      expect(points.length).toBeLessThanOrEqual(1000);
      expect(points.length).toBe(730);
      expect(points.reduce((n, p) => n + (p.count ?? 0), 0)).toBe(minutes);
      expect(points[0]).toMatchObject({ value: 29.5, min: 0, max: 59, first: 0, last: 59, count: 720 });
    },
    timeout(300_000),
  );
});
