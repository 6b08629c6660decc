import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createTenant,
  expectProblem,
  gatewayToken,
  homeWithChannels,
  iso,
  login,
  OPERATOR,
  push,
  pushAll,
  startTestApp,
  type Tenant,
  type TestApp,
} from '../harness/index.js';

let t: TestApp;
let tenant: Tenant;
let other: Tenant;
const HOUR = 3_600_000;
// Well inside the history the fixture orders allow (commissioned 2026-10-01), on whole hours.
const base = Math.floor((Date.now() - 3 * 24 * HOUR) / HOUR) * HOUR;

beforeAll(async () => {
  t = await startTestApp();
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Telemetry');
  other = await createTenant(t.app, operator, 'Other');
});
afterAll(() => t?.close());

const rows = (table: 'readings' | 'rollups_hour' | 'rollups_day') =>
  t.app.ctx.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n));

describe('POST /telemetry', () => {
  it('stores readings, answers with counts, and they read back raw, latest and rolled up', async () => {
    const { homeId, channel } = await homeWithChannels(t.app, tenant.admin.token, 'TEL-1');
    const flow = channel('heat_meter', 'flow_temperature');
    const readings = [0, 1, 2, 3].map((k) => ({
      channelId: flow.id,
      time: iso(base + k * 60_000),
      value: 40 + k,
    }));
    const response = await push(t.app, tenant.admin.token, readings);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ received: 4, stored: 4, duplicates: 0, refused: [] });

    const raw = await call(
      t.app,
      'GET',
      `/homes/${homeId}/telemetry?channels=${flow.id}&from=${iso(base)}&to=${iso(base + HOUR)}`,
      tenant.admin.token,
    );
    expect(raw.statusCode, raw.body).toBe(200);
    const series = raw.json().channels[0];
    expect(series).toMatchObject({ channelId: flow.id, key: 'flow_temperature', unit: '°C', agg: null });
    expect(series.points).toEqual(readings.map((r) => ({ time: r.time, value: r.value })));

    const hourly = await call(
      t.app,
      'GET',
      `/homes/${homeId}/telemetry?channels=${flow.id}&from=${iso(base)}&to=${iso(base + HOUR)}&resolution=hour&agg=max`,
      tenant.admin.token,
    );
    expect(hourly.json().channels[0].points).toEqual([{ time: iso(base), value: 43, count: 4 }]);

    const latest = await call(t.app, 'GET', `/homes/${homeId}/telemetry/latest`, tenant.admin.token);
    expect(latest.statusCode, latest.body).toBe(200);
    expect(latest.json().channels.find((c: { channelId: string }) => c.channelId === flow.id)).toMatchObject({
      time: iso(base + 3 * 60_000),
      value: 43,
    });
  });

  it('is idempotent: a re-sent reading is a duplicate, a different value for a stored time is refused', async () => {
    const { channel } = await homeWithChannels(t.app, tenant.admin.token, 'TEL-2');
    const power = channel('heat_meter', 'heat_power');
    const readings = [{ channelId: power.id, time: iso(base), value: 1500 }];
    await pushAll(t.app, tenant.admin.token, readings);
    const before = await rows('readings');
    const again = await push(t.app, tenant.admin.token, [
      ...readings,
      { channelId: power.id, time: iso(base), value: 1600 },
    ]);
    expect(again.json()).toMatchObject({ received: 2, stored: 0, duplicates: 1 });
    expect(again.json().refused).toEqual([
      expect.objectContaining({ index: 1, channelId: power.id, reason: 'conflicting_value' }),
    ]);
    expect(await rows('readings')).toBe(before);
  });

  it('refuses each bad reading with its index and reason, and stores the rest', async () => {
    const { channel } = await homeWithChannels(t.app, tenant.admin.token, 'TEL-3');
    const theirs = await homeWithChannels(t.app, other.admin.token, 'TEL-3X');
    const c = channel('electricity_meter', 'electricity_power').id;
    const response = await push(t.app, tenant.admin.token, [
      { channelId: c, time: iso(base + 1000), value: 1 },
      { channelId: '01900000-0000-7000-8000-000000000000', time: iso(base), value: 1 },
      { channelId: theirs.channel('electricity_meter', 'electricity_power').id, time: iso(base), value: 1 },
      { channelId: c, time: iso(Date.now() + 10 * 60_000), value: 1 },
      { channelId: c, time: '2020-01-01T00:00:00Z', value: 1 },
      { channelId: c, time: '2026-02-30T00:00:00Z', value: 1 },
      { channelId: c, time: '2026-01-01 12:00', value: 1 },
      { channelId: 'not-a-uuid', time: iso(base), value: 1 },
    ]);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ received: 8, stored: 1, duplicates: 0 });
    expect(body.refused.map((r: { index: number; reason: string }) => [r.index, r.reason])).toEqual([
      [1, 'unknown_channel'],
      [2, 'unknown_channel'],
      [3, 'time_in_future'],
      [4, 'before_channel'],
      [5, 'time_invalid'],
      [6, 'time_invalid'],
      [7, 'unknown_channel'],
    ]);
  });

  it('takes readings out of order, and the rollups match what the raw data says', async () => {
    const { homeId, channel } = await homeWithChannels(t.app, tenant.admin.token, 'TEL-4');
    const energy = channel('heat_meter', 'heat_energy');
    const at = (min: number, value: number) => ({
      channelId: energy.id,
      time: iso(base + min * 60_000),
      value,
    });
    await pushAll(t.app, tenant.admin.token, [at(0, 100), at(30, 101), at(90, 104)]);
    // Late: a reading between two stored ones, in another hour than its successor.
    await pushAll(t.app, tenant.admin.token, [at(59, 103), at(10, 100.5)]);
    const hourly = await call(
      t.app,
      'GET',
      `/homes/${homeId}/telemetry?channels=${energy.id}&from=${iso(base)}&to=${iso(base + 2 * HOUR)}&resolution=hour`,
      tenant.admin.token,
    );
    const points = hourly.json().channels[0].points as { value: number; count: number }[];
    expect(points.map((p) => p.count)).toEqual([4, 1]);
    expect(points[0]?.value).toBeCloseTo(3, 9);
    expect(points[1]?.value).toBeCloseTo(1, 9);
    const raw = await call(
      t.app,
      'GET',
      `/homes/${homeId}/telemetry?channels=${energy.id}&from=${iso(base)}&to=${iso(base + 2 * HOUR)}`,
      tenant.admin.token,
    );
    expect(raw.json().channels[0].points.map((p: { value: number }) => p.value)).toEqual([
      100, 100.5, 101, 103, 104,
    ]);
  });

  it('never gives negative or doubled consumption across a reset, a gap and a replaced meter', async () => {
    const { homeId, channel } = await homeWithChannels(t.app, tenant.admin.token, 'TEL-5');
    const energy = channel('electricity_meter', 'electricity_energy');
    const at = (id: string, hours: number, value: number) => ({
      channelId: id,
      time: iso(base + hours * HOUR),
      value,
    });
    await pushAll(t.app, tenant.admin.token, [
      at(energy.id, 0, 5000),
      at(energy.id, 1, 5002),
      at(energy.id, 2, 5004),
      // Reset to zero: the register starts again.
      at(energy.id, 3, 0),
      at(energy.id, 4, 1),
      // A six-hour gap: its 3 kWh land once, in the hour that ends it.
      at(energy.id, 10, 4),
      // A gateway swapped the meter behind the channel: the new one's lower count is a new baseline.
      at(energy.id, 11, 2.5),
      at(energy.id, 12, 3.5),
    ]);
    const query = (id: string, resolution: string, hours: number) =>
      call(
        t.app,
        'GET',
        `/homes/${homeId}/telemetry?channels=${id}&from=${iso(base)}&to=${iso(base + hours * HOUR)}&resolution=${resolution}&agg=delta`,
        tenant.admin.token,
      ).then((r) => (r.json().channels[0].points as { value: number }[]).map((p) => p.value));
    expect(await query(energy.id, 'hour', 13)).toEqual([0, 2, 2, 0, 1, 3, 0, 1]);

    // A replacement meter added to the home gets channels of its own: its first reading is a baseline.
    const added = await call(t.app, 'POST', `/homes/${homeId}/meters`, tenant.admin.token, {
      serial: 'EM-TEL-5-NEW',
      kind: 'electricity_meter',
      measures: 'heat_pump',
      reading: { method: 'push', intervalSeconds: 3600 },
    });
    expect(added.statusCode, added.body).toBe(201);
    const replacement = (added.json().channels as { id: string; key: string }[]).find(
      (c) => c.key === 'electricity_energy',
    )?.id as string;
    await pushAll(t.app, tenant.admin.token, [at(replacement, 13, 7000), at(replacement, 14, 7001.5)]);
    expect(await query(replacement, 'hour', 15)).toEqual([0, 1.5]);
    // Days agree with hours (the agent's local days; the range covers every reading).
    const days = await call(
      t.app,
      'GET',
      `/homes/${homeId}/telemetry?channels=${energy.id}&from=${iso(base - 2 * 24 * HOUR)}&to=${iso(base + 3 * 24 * HOUR)}&resolution=day&agg=delta`,
      tenant.admin.token,
    ).then((r) => (r.json().channels[0].points as { value: number }[]).map((p) => p.value));
    expect(days.reduce((s, d) => s + d, 0)).toBeCloseTo(9, 9);
  });

  it('answers bad requests with clear 4xx problems and stores nothing', async () => {
    const { channel } = await homeWithChannels(t.app, tenant.admin.token, 'TEL-6');
    const c = channel('heat_meter', 'heat_power').id;
    const before = await rows('readings');
    const raw = (payload: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v/1/telemetry',
        headers: { authorization: `Bearer ${tenant.admin.token}`, 'content-type': 'application/json' },
        payload,
      });
    expectProblem(await raw('{"readings": [ {"channelId": '), 400, 'malformed_json');
    expectProblem(
      await raw(`{"readings":[{"channelId":"${c}","time":"${iso(base)}","value":NaN}]}`),
      400,
      'malformed_json',
    );
    expectProblem(
      await raw(`{"readings":[{"channelId":"${c}","time":"${iso(base)}","value":Infinity}]}`),
      400,
      'malformed_json',
    );
    expectProblem(
      await raw(`{"readings":[{"channelId":"${c}","time":"${iso(base)}","value":"12"}]}`),
      400,
      'validation_failed',
    );
    expectProblem(
      await raw(`{"readings":[{"channelId":"${c}","time":${base},"value":12}]}`),
      400,
      'validation_failed',
    );
    expectProblem(
      await raw(`{"readings":[{"channelId":"${c}","time":"${iso(base)}","value":1,"unit":"W"}]}`),
      400,
      'validation_failed',
    );
    expectProblem(await raw('{"readings":{}}'), 400, 'validation_failed');
    const many = Array.from({ length: 10_001 }, (_, k) => ({
      channelId: c,
      time: iso(base + k * 1000),
      value: k,
    }));
    const tooMany = expectProblem(await push(t.app, tenant.admin.token, many), 413, 'payload_too_large');
    expect(String(tooMany.detail)).toMatch(/10001 readings.*at most 10000/);
    expect(await rows('readings')).toBe(before);
    // Exactly 10,000 is fine.
    const ok = await push(t.app, tenant.admin.token, many.slice(0, 10_000));
    expect(ok.json()).toMatchObject({ stored: 10_000, refused: [] });
  });

  it('lets a gateway write only its own home, and only while the home collects', async () => {
    const mine = await homeWithChannels(t.app, tenant.admin.token, 'TEL-7');
    const sibling = await homeWithChannels(t.app, tenant.admin.token, 'TEL-7B');
    const foreign = await homeWithChannels(t.app, other.admin.token, 'TEL-7X');
    const gateway = await gatewayToken(t.app, tenant.admin.token, mine.homeId);
    const key = (h: typeof mine) => h.channel('heat_meter', 'heat_power').id;
    const response = await push(t.app, gateway.token, [
      { channelId: key(mine), time: iso(base), value: 1 },
      { channelId: key(sibling), time: iso(base), value: 1 },
      { channelId: key(foreign), time: iso(base), value: 1 },
    ]);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().stored).toBe(1);
    expect(response.json().refused.map((r: { reason: string }) => r.reason)).toEqual([
      'channel_not_writable',
      'unknown_channel',
    ]);
    // A gateway token reads nothing.
    expectProblem(
      await call(t.app, 'GET', `/homes/${mine.homeId}/telemetry`, gateway.token),
      403,
      'forbidden',
    );

    // Decommissioned: collection stops for the gateway; the history stays readable.
    const home = await call(t.app, 'GET', `/homes/${mine.homeId}`, tenant.admin.token);
    const gone = await call(t.app, 'DELETE', `/homes/${mine.homeId}`, tenant.admin.token, undefined, {
      'if-match': String(home.headers.etag),
    });
    expect(gone.statusCode, gone.body).toBe(204);
    const after = await push(t.app, gateway.token, [
      { channelId: key(mine), time: iso(base + 60_000), value: 2 },
    ]);
    expect(after.statusCode, after.body).toBe(200);
    expect(after.json().refused.map((r: { reason: string }) => r.reason)).toEqual(['not_collecting']);
  });

  it('is 404 for another agent, and 403 for a viewer writing', async () => {
    const theirs = await homeWithChannels(t.app, other.admin.token, 'TEL-8X');
    for (const path of [`/homes/${theirs.homeId}/telemetry`, `/homes/${theirs.homeId}/telemetry/latest`]) {
      expectProblem(await call(t.app, 'GET', path, tenant.admin.token), 404, 'not_found');
    }
    const viewer = await tenant.addUser('viewer');
    expectProblem(await push(t.app, viewer.token, []), 403, 'forbidden');
  });
});
