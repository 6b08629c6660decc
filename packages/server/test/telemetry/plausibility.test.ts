/**
 * Plausibility at ingest (docs/telemetry.md): each rule refuses the reading with its reason and a
 * detail naming the value and the limit, accepts a value just inside the limit, stores nothing of
 * the refused reading and every good reading of the same request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitsFor } from '../../src/telemetry/plausibility.js';
import {
  call,
  createTenant,
  dialect,
  homeWithChannels,
  iso,
  login,
  OPERATOR,
  push,
  startTestApp,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

let t: TestApp;
let tenant: Tenant;
let homes = 0;

beforeAll(async () => {
  t = await startTestApp();
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Plausible');
});
afterAll(() => t?.close());

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-02T00:00:00Z');

interface Refused {
  index: number;
  channelId: string;
  reason: string;
  detail: string;
}

/** A fresh home (a 7 kW air source heat pump unless overridden) and a channel finder. */
async function home(overrides: Record<string, unknown> = {}) {
  const made = await homeWithChannels(t.app, tenant.admin.token, `PLAUS-${homes++}`, overrides);
  return { ...made, id: (meter: string, key: string) => made.channel(meter, key).id };
}

async function send(readings: { channelId: string; time: string; value: number }[]) {
  const response = await push(t.app, tenant.admin.token, readings);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { received: number; stored: number; duplicates: number; refused: Refused[] };
}

/** The raw readings stored for a channel, as [time, value]. */
async function stored(homeId: string, channelId: string): Promise<[string, number][]> {
  const response = await call(
    t.app,
    'GET',
    `/homes/${homeId}/telemetry?channels=${channelId}&from=${iso(T0 - 24 * HOUR)}&to=${iso(T0 + 48 * HOUR)}&resolution=raw`,
    tenant.admin.token,
  );
  expect(response.statusCode, response.body).toBe(200);
  return (response.json().channels[0].points as { time: string; value: number }[]).map((p) => [
    p.time,
    p.value,
  ]);
}

/**
 * Sends the values in one request, each a minute apart on its own time, with a good outdoor
 * temperature between them; expects exactly the `refused` indexes (of `values`) refused with
 * `reason`, each detail containing the value and `limit`, and everything else stored.
 */
async function judge(
  h: Awaited<ReturnType<typeof home>>,
  channelId: string,
  values: number[],
  refusedAt: number[],
  reason: string,
  limit: string,
) {
  const outdoor = h.id('temperature_sensor', 'outdoor_temperature');
  const readings = values.flatMap((value, k) => [
    { channelId, time: iso(T0 + k * 60_000), value },
    { channelId: outdoor, time: iso(T0 + k * 60_000), value: 5 },
  ]);
  const answer = await send(readings);
  expect(answer.refused.map((r) => [r.index, r.reason])).toEqual(refusedAt.map((k) => [2 * k, reason]));
  for (const r of answer.refused) {
    expect(r.channelId).toBe(channelId);
    expect(r.detail).toContain(String(values[r.index / 2]));
    expect(r.detail).toContain(limit);
  }
  expect(answer.stored).toBe(readings.length - refusedAt.length);
  expect(await stored(h.homeId, channelId)).toEqual(
    values.map((v, k) => [iso(T0 + k * 60_000), v]).filter((_, k) => !refusedAt.includes(k)),
  );
  expect((await stored(h.homeId, outdoor)).length).toBe(values.length);
  return answer;
}

describe(`plausibility at ingest (${dialect})`, () => {
  it('temperature_out_of_range: −50 … 150 °C', async () => {
    const h = await home();
    const flow = h.id('heat_meter', 'flow_temperature');
    await judge(
      h,
      flow,
      [-50, -50.1, 150, 150.5, 1.7e308, 42],
      [1, 3, 4],
      'temperature_out_of_range',
      '-50…150 °C',
    );
  });

  it('power_negative and power_too_high: heat output 0 … 4 × the rated 7 kW', async () => {
    const h = await home();
    const heat = h.id('heat_meter', 'heat_power');
    await judge(h, heat, [0, -1, 28_000, 7000], [1], 'power_negative', '0…28000 W');
    const h2 = await home();
    const answer = await judge(
      h2,
      h2.id('heat_meter', 'heat_power'),
      [28_000, 28_000.5],
      [1],
      'power_too_high',
      '28000 W',
    );
    expect(answer.refused[0]?.detail).toContain('rated 7 kW');
  });

  it('power_negative: electricity drawn is never negative', async () => {
    const h = await home();
    await judge(
      h,
      h.id('electricity_meter', 'electricity_power'),
      [0, -0.5, 2500],
      [1],
      'power_negative',
      '0…28000 W',
    );
  });

  it('power_too_high without a rated capacity: the absolute ceiling of 100 kW', async () => {
    const h = await home({
      installation: { technology: 'gas_boiler', commissioningDate: '2026-10-01' },
    });
    const answer = await judge(
      h,
      h.id('heat_meter', 'heat_power'),
      [100_000, 100_001],
      [1],
      'power_too_high',
      '100000 W',
    );
    expect(answer.refused[0]?.detail).toContain('no rated capacity');
  });

  it('flow_out_of_range: 0 … 300 l/min', async () => {
    const h = await home();
    await judge(
      h,
      h.id('heat_meter', 'flow_rate'),
      [0, -0.1, 300, 300.1, 18.5],
      [1, 3],
      'flow_out_of_range',
      '0…300 l/min',
    );
  });

  it('register_negative and register_too_high: 0 … 10⁹', async () => {
    const h = await home();
    await judge(h, h.id('heat_meter', 'heat_energy'), [0, -0.001, 0.5], [1], 'register_negative', 'negative');
    const h2 = await home();
    await judge(
      h2,
      h2.id('electricity_meter', 'electricity_energy'),
      [999_999_999, 1_000_000_001],
      [1],
      'register_too_high',
      '1000000000 kWh',
    );
  });

  it('register_fell: a fall is stored only as a reset to what the meter can count from 0 since', async () => {
    const h = await home();
    const heat = h.id('heat_meter', 'heat_energy');
    // 4 × 7 kW for a minute is 0.467 kWh, plus one step of the register: 1.467 kWh; for two 1.933.
    const answer = await judge(
      h,
      heat,
      [1000, 1000.2, 999, 1.94, 1.9, 2.1],
      [2, 3],
      'register_fell',
      'a reset restarts near 0',
    );
    expect(answer.refused[0]?.detail).toContain('below the reading before it (1000.2 kWh at');
    expect(answer.refused[0]?.detail).toContain('at most 1.467 kWh');
    expect(answer.refused[1]?.detail).toContain('at most 1.933 kWh');
    // The reset's consumption is never negative: 1000.2 → 1.9 counts nothing, then 0.2.
    const delta = await call(
      t.app,
      'GET',
      `/homes/${h.homeId}/telemetry?channels=${heat}&from=${iso(T0)}&to=${iso(T0 + HOUR)}&resolution=hour&agg=delta`,
      tenant.admin.token,
    );
    expect(delta.json().channels[0].points[0].value).toBeCloseTo(0.4, 9);
  });

  it('register_too_fast: never more than the rated ceiling over the elapsed time, plus one step', async () => {
    const h = await home();
    const heat = h.id('heat_meter', 'heat_energy');
    await judge(h, heat, [1000, 1001.466, 1003, 1002], [2], 'register_too_fast', '1.467 kWh');
  });

  it('a late reading is judged against the stored readings before and after it', async () => {
    const h = await home();
    const heat = h.id('heat_meter', 'heat_energy');
    expect(
      (
        await send([
          { channelId: heat, time: iso(T0), value: 1000 },
          { channelId: heat, time: iso(T0 + 2 * HOUR), value: 1010 },
        ])
      ).stored,
    ).toBe(2);
    const answer = await send([
      { channelId: heat, time: iso(T0 + HOUR), value: 1020 },
      { channelId: heat, time: iso(T0 + HOUR / 2), value: 990 },
      { channelId: heat, time: iso(T0 + 1.5 * HOUR), value: 1005 },
      { channelId: heat, time: iso(T0 + 3 * HOUR), value: 1010 + 30 },
    ]);
    expect(answer.refused.map((r) => [r.index, r.reason])).toEqual([
      [0, 'register_fell'],
      [1, 'register_fell'],
      [3, 'register_too_fast'],
    ]);
    expect(answer.refused[0]?.detail).toContain('1020 kWh is above the reading after it (1010 kWh at');
    expect(answer.refused[1]?.detail).toContain('990 kWh is below the reading before it (1000 kWh at');
    expect(answer.stored).toBe(1);
    expect(await stored(h.homeId, heat)).toEqual([
      [iso(T0), 1000],
      [iso(T0 + 1.5 * HOUR), 1005],
      [iso(T0 + 2 * HOUR), 1010],
    ]);
  });

  it('readings of concurrent requests, committed together, are judged against each other', async () => {
    const h = await home();
    const heat = h.id('heat_meter', 'heat_energy');
    const answers = await Promise.all([
      send([{ channelId: heat, time: iso(T0), value: 1000 }]),
      send([{ channelId: heat, time: iso(T0 + 60_000), value: 1100 }]),
    ]);
    // Whichever came first, the other is refused: 100 kWh in a minute is no 7 kW heat pump.
    expect(answers.flatMap((a) => a.refused.map((r) => r.reason))).toEqual(['register_too_fast']);
    expect((await stored(h.homeId, heat)).length).toBe(1);
  });

  it('a re-sent reading is still a duplicate, not judged again', async () => {
    const h = await home();
    const heat = h.id('heat_meter', 'heat_energy');
    const readings = [
      { channelId: heat, time: iso(T0), value: 1000 },
      { channelId: heat, time: iso(T0 + HOUR), value: 1010 },
    ];
    expect((await send(readings)).stored).toBe(2);
    expect(await send(readings)).toMatchObject({ stored: 0, duplicates: 2, refused: [] });
  });
});

describe('the limits of each meter', () => {
  it('a whole-house electricity meter may carry a house’s supply; other power channels are bounded either way', () => {
    const nature = {
      quantity: 'power',
      kind: 'instantaneous',
      meterKind: 'electricity_meter',
      ratedCapacityKw: 5,
    } as const;
    expect(limitsFor({ ...nature, measures: 'heat_pump' }).range?.max).toBe(20_000);
    expect(limitsFor({ ...nature, measures: 'whole_house' }).range?.max).toBe(100_000);
    expect(limitsFor({ ...nature, measures: 'whole_house', ratedCapacityKw: 40 }).range?.max).toBe(160_000);
    expect(limitsFor({ ...nature, meterKind: 'pv_inverter' }).range).toMatchObject({
      min: -100_000,
      max: 100_000,
    });
  });

  it('percentages are 0 … 100; gas counts at most 40 m³ an hour; registers of other meters 100 kWh an hour', () => {
    expect(
      limitsFor({ quantity: 'state_of_charge', kind: 'instantaneous', meterKind: 'battery' }).range,
    ).toMatchObject({ min: 0, max: 100, below: 'percent_out_of_range' });
    expect(
      limitsFor({ quantity: 'volume', kind: 'register', meterKind: 'gas_meter' }).register?.perHour,
    ).toBe(40);
    expect(
      limitsFor({ quantity: 'energy', kind: 'register', meterKind: 'pv_inverter' }).register?.perHour,
    ).toBe(100);
  });
});
