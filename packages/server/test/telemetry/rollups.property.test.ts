import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTenant,
  homeWithChannels,
  iso,
  login,
  OPERATOR,
  push,
  startTestApp,
  type Tenant,
  type TestApp,
  timeout,
} from '../harness/index.js';

let t: TestApp;
let tenant: Tenant;
let homes = 0;

beforeAll(async () => {
  t = await startTestApp();
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Rollups');
});
afterAll(() => t?.close());

const HOUR = 3_600_000;
// Two days around the end of British Summer Time (2026-10-25 01:00 UTC): one local day has 25 hours.
const START = Date.UTC(2026, 9, 24, 0, 0);
const SPAN_MINUTES = 3 * 24 * 60;

interface Bucket {
  count: number;
  sum: number;
  min: number;
  max: number;
  first_v: number;
  last_v: number;
  delta: number;
}

/** The oracle, written independently of the store: aggregates of sorted raw readings per key. */
function expected(raw: { t: number; v: number }[], keyOf: (t: number) => string): Map<string, Bucket> {
  const out = new Map<string, Bucket>();
  let previous: number | undefined;
  for (const { t: time, v } of raw) {
    const increase = previous === undefined ? 0 : Math.max(0, v - previous);
    previous = v;
    const key = keyOf(time);
    const b = out.get(key);
    if (!b) out.set(key, { count: 1, sum: v, min: v, max: v, first_v: v, last_v: v, delta: increase });
    else {
      b.count++;
      b.sum += v;
      b.min = Math.min(b.min, v);
      b.max = Math.max(b.max, v);
      b.last_v = v;
      b.delta += increase;
    }
  }
  return out;
}

const londonDate = (time: number) =>
  new Date(time).toLocaleDateString('en-CA', { timeZone: 'Europe/London' });

function expectSame(actual: Map<string, Bucket>, wanted: Map<string, Bucket>): void {
  expect([...actual.keys()].sort()).toEqual([...wanted.keys()].sort());
  for (const [key, w] of wanted) {
    const a = actual.get(key) as Bucket;
    expect(a.count, key).toBe(w.count);
    expect(a.min, key).toBe(w.min);
    expect(a.max, key).toBe(w.max);
    expect(a.first_v, key).toBe(w.first_v);
    expect(a.last_v, key).toBe(w.last_v);
    expect(a.sum, key).toBeCloseTo(w.sum, 6);
    expect(a.delta, key).toBeCloseTo(w.delta, 6);
  }
}

describe('rollups', () => {
  it(
    'equal a recomputation from raw after random late, re-sent and concurrent inserts',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          // Readings: minute offsets and values (a register that mostly rises, with resets).
          fc.array(
            fc.tuple(fc.integer({ min: 0, max: SPAN_MINUTES }), fc.double({ min: -5, max: 20, noNaN: true })),
            {
              minLength: 1,
              maxLength: 120,
            },
          ),
          // How the readings are cut into requests, and which requests run at the same moment.
          fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 10 }),
          fc.boolean(),
          async (steps, cuts, concurrent) => {
            const { channel } = await homeWithChannels(t.app, tenant.admin.token, `ROLL-${homes++}`);
            const c = channel('heat_meter', 'heat_energy').id;
            // The register's level follows time (it may reset to 0), so what arrives late or out
            // of order is still what a 7 kW heat pump's meter can read: up to 0.41 kWh a minute.
            // A time sent twice carries a slightly different value (a conflict: first write wins).
            const levels = new Map<number, number>();
            let level = 1000;
            for (const [minute, step] of [...steps].sort((a, b) => a[0] - b[0])) {
              if (levels.has(minute)) continue;
              level = step < -4 ? 0 : level + 0.01 + Math.max(0, step) / 50;
              levels.set(minute, level);
            }
            const repeats = new Map<number, number>();
            const readings = steps.map(([minute]) => {
              const repeat = repeats.get(minute) ?? 0;
              repeats.set(minute, repeat + 1);
              return {
                channelId: c,
                time: iso(START + minute * 60_000),
                value:
                  Math.round(((levels.get(minute) as number) + 0.0001 * Math.min(repeat, 99)) * 10_000) /
                  10_000,
              };
            });
            const requests: (typeof readings)[] = [];
            let at = 0;
            for (let k = 0; at < readings.length; k++) {
              const size = cuts[k % cuts.length] as number;
              requests.push(readings.slice(at, at + size));
              at += size;
            }
            // Re-send one request: nothing may change.
            requests.push(requests[0] as typeof readings);
            const send = (batch: typeof readings) => push(t.app, tenant.admin.token, batch);
            if (concurrent) await Promise.all(requests.map(send));
            else for (const batch of requests) await send(batch);

            const db = t.app.ctx.database.db;
            const series = await db
              .selectFrom('telemetry_series')
              .select('no')
              .where('channel_id', '=', c)
              .executeTakeFirstOrThrow();
            const raw = (
              await db
                .selectFrom('readings')
                .select(['t', 'value'])
                .where('series', '=', series.no)
                .orderBy('t')
                .execute()
            ).map((r) => ({ t: Number(r.t), v: r.value }));
            // First write wins for a time sent twice with different values; every stored time is unique.
            expect(raw.length).toBe(new Set(readings.map((r) => r.time)).size);
            const rollups = async (table: 'rollups_hour' | 'rollups_day', keyOf: (t: number) => string) =>
              new Map(
                (await db.selectFrom(table).selectAll().where('series', '=', series.no).execute()).map(
                  (r) => [keyOf(Number(r.bucket)), r as Bucket],
                ),
              );
            const hourKey = (time: number) => String(Math.floor(time / HOUR));
            expectSame(await rollups('rollups_hour', hourKey), expected(raw, hourKey));
            expectSame(await rollups('rollups_day', londonDate), expected(raw, londonDate));
          },
        ),
        { numRuns: 30 },
      );
    },
    timeout(240_000),
  );
});
