import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createTenant,
  homeWithChannels,
  iso,
  login,
  OPERATOR,
  pushAll,
  startTestApp,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

let t: TestApp;
let tenant: Tenant;

beforeAll(async () => {
  t = await startTestApp();
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Status');
});
afterAll(() => t?.close());

interface MeterStatus {
  state: string;
  lastReadingAt: string | null;
  expectedIntervalSeconds: number;
  completeness: { date: string; expected: number; received: number; percent: number }[];
}

describe('meter status', () => {
  it('is online, late, offline or never seen from the newest reading and the interval, with completeness', async () => {
    const now = Date.now();
    const minute = Math.floor(now / 60_000) * 60_000;
    const { homeId, channel } = await homeWithChannels(t.app, tenant.admin.token, 'STATUS-1', {
      meters: [
        { serial: 'HM-1', kind: 'heat_meter', reading: { method: 'push', intervalSeconds: 60 } },
        {
          serial: 'EM-1',
          kind: 'electricity_meter',
          measures: 'heat_pump',
          reading: { method: 'push', intervalSeconds: 60 },
        },
        {
          serial: 'TS-1',
          kind: 'temperature_sensor',
          location: 'outdoor',
          reading: { method: 'push', intervalSeconds: 60 },
        },
        {
          serial: 'TS-2',
          kind: 'temperature_sensor',
          location: 'indoor',
          reading: { method: 'push', intervalSeconds: 60 },
        },
      ],
    });
    // Heat meter: a reading a minute for the last 10 minutes, on two channels (counted once).
    const heat = channel('heat_meter', 'heat_energy').id;
    const flow = channel('heat_meter', 'flow_temperature').id;
    const recent = Array.from({ length: 10 }, (_, k) => minute - k * 60_000);
    await pushAll(t.app, tenant.admin.token, [
      ...recent.map((time, k) => ({ channelId: heat, time: iso(time), value: 100 - k })),
      ...recent.map((time) => ({ channelId: flow, time: iso(time), value: 40 })),
      // Electricity: last heard 6 intervals ago (late); outdoor sensor 30 intervals ago (offline).
      {
        channelId: channel('electricity_meter', 'electricity_energy').id,
        time: iso(minute - 6 * 60_000),
        value: 1,
      },
      {
        channelId: channel('temperature_sensor', 'outdoor_temperature').id,
        time: iso(minute - 30 * 60_000),
        value: 5,
      },
    ]);
    const response = await call(t.app, 'GET', `/homes/${homeId}/meters`, tenant.admin.token);
    expect(response.statusCode, response.body).toBe(200);
    const status = (serial: string) =>
      (response.json().items as { serial: string; status: MeterStatus }[]).find((m) => m.serial === serial)
        ?.status as MeterStatus;
    expect(status('HM-1')).toMatchObject({
      state: 'online',
      lastReadingAt: iso(minute),
      expectedIntervalSeconds: 60,
    });
    expect(status('EM-1').state).toBe('late');
    expect(status('TS-1').state).toBe('offline');
    expect(status('TS-2')).toMatchObject({ state: 'never_seen', lastReadingAt: null });

    const days = status('HM-1').completeness;
    expect(days).toHaveLength(7);
    const today = new Date(now).toLocaleDateString('en-CA', { timeZone: 'Europe/London' });
    expect(days.at(-1)?.date).toBe(today);
    // The readings of the last ten minutes that fall on today (local), counted per channel, not summed.
    const todays = recent.filter(
      (time) => new Date(time).toLocaleDateString('en-CA', { timeZone: 'Europe/London' }) === today,
    ).length;
    expect(days.at(-1)?.received).toBe(todays);
    expect(days.at(-1)?.percent).toBeLessThanOrEqual(100);
    expect(days.slice(0, -1).every((d) => d.received === 0 || d.date !== today)).toBe(true);

    // The home shows the same status with its meters.
    const home = await call(t.app, 'GET', `/homes/${homeId}`, tenant.admin.token);
    const heatMeter = (home.json().meters as { serial: string; status: MeterStatus }[]).find(
      (m) => m.serial === 'HM-1',
    );
    expect(heatMeter?.status.state).toBe('online');
  });

  it('counts a meter that sent every reading since midnight as complete today: expected equals received', async () => {
    const now = Date.now();
    const step = 300_000;
    const today = new Date(now).toLocaleDateString('en-CA', { timeZone: 'Europe/London' });
    const { homeId, channel } = await homeWithChannels(t.app, tenant.admin.token, 'STATUS-2', {
      meters: [
        { serial: 'HM-2', kind: 'heat_meter', reading: { method: 'push', intervalSeconds: 300 } },
        { serial: 'EM-2', kind: 'electricity_meter', measures: 'heat_pump' },
      ],
    });
    // Every five minutes from local midnight up to the newest five-minute mark, both included.
    let midnight = Math.floor(now / 86_400_000) * 86_400_000;
    while (new Date(midnight).toLocaleDateString('en-CA', { timeZone: 'Europe/London' }) !== today)
      midnight += 3_600_000;
    while (
      new Date(midnight - 3_600_000).toLocaleDateString('en-CA', { timeZone: 'Europe/London' }) === today
    )
      midnight -= 3_600_000;
    const times: number[] = [];
    for (let time = midnight; time <= now; time += step) times.push(time);
    const heat = channel('heat_meter', 'heat_energy').id;
    await pushAll(
      t.app,
      tenant.admin.token,
      times.map((time, k) => ({ channelId: heat, time: iso(time), value: k })),
    );
    const response = await call(t.app, 'GET', `/homes/${homeId}/meters`, tenant.admin.token);
    const days = (response.json().items as { serial: string; status: MeterStatus }[]).find(
      (m) => m.serial === 'HM-2',
    )?.status.completeness;
    expect(days?.at(-1)).toEqual({
      date: today,
      expected: times.length,
      received: times.length,
      percent: 100,
    });
  });
});
