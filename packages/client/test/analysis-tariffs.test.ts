import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeOrder, dialect } from '../../server/test/harness/index.js';
import {
  type CreateOrderInput,
  type HearthClient,
  NotFoundError,
  PreconditionFailedError,
} from '../src/index.js';
import {
  clientFor,
  createAgentWithAdmin,
  type LiveServer,
  operatorClient,
  startServer,
  unique,
} from './support.js';

let server: LiveServer;
let admin: HearthClient;
beforeAll(async () => {
  server = await startServer();
  const { admin: login } = await createAgentWithAdmin(server, await operatorClient(server));
  admin = clientFor(server);
  await admin.login(login);
});
afterAll(async () => server.close());

const HOUR = 3_600_000;
const base = Math.floor((Date.now() - 2 * 24 * HOUR) / HOUR) * HOUR;
const iso = (t: number) => new Date(t).toISOString();

/** A submitted home with a few hours of heat power readings. */
async function homeWithReadings(): Promise<string> {
  const order = await admin.orders.create(completeOrder(`ANA-${unique()}`) as CreateOrderInput);
  const { homeId } = await admin.orders.submit(order.id);
  const channels = (await admin.homes.meters(homeId)).flatMap((m) => m.channels);
  const power = channels.find((c) => c.key === 'heat_power');
  if (!power) throw new Error('no heat_power channel');
  const result = await admin.telemetry.push(
    [0, 1, 2, 3].map((h) => ({ channelId: power.id, time: iso(base + h * HOUR), value: 2000 })),
  );
  expect(result.refused).toEqual([]);
  return homeId;
}

describe(`performance, insight and tariffs through the SDK (${dialect})`, () => {
  it('performance and insight answer their shapes, and CSV with Accept: text/csv', async () => {
    const homeId = await homeWithReadings();
    const query = {
      from: new Date(base - 24 * HOUR),
      to: new Date(base + 24 * HOUR),
      period: 'day' as const,
    };

    const performance = await admin.performance.get(homeId, { ...query, minCoverage: 50 });
    expect(performance).toMatchObject({ homeId, period: 'day', minCoveragePercent: 50 });
    expect(performance.periods.length).toBeGreaterThan(0);
    expect(performance.periods[0]).toMatchObject({
      start: expect.any(String),
      coverage: { hours: expect.any(Number) },
      quality: { ok: expect.any(Boolean) },
    });
    expect(performance.window.quality.reasons).toEqual(expect.any(Array));
    const performanceCsv = await admin.performance.exportCsv(homeId, query);
    expect(performanceCsv.split(/\r?\n/)[0]).toMatch(/start/);
    expect(performanceCsv.trim().split(/\r?\n/).length).toBe(performance.periods.length + 1);

    const insight = await admin.insight.get(homeId, query);
    expect(insight).toMatchObject({ homeId, period: 'day', timeZone: expect.any(String) });
    expect(insight.periods.length).toBe(performance.periods.length);
    expect(insight.window).toHaveProperty('signature');
    const insightCsv = await admin.insight.exportCsv(homeId, query);
    expect(insightCsv.trim().split(/\r?\n/).length).toBe(insight.periods.length + 1);

    const missing = await admin.insight.get('00000000-0000-4000-8000-000000000000').catch((e) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
  });

  it('tariffs: create, list, get, update with If-Match (a stale ETag is PreconditionFailedError), home tariffs, delete', async () => {
    const name = `Flat ${unique()}`;
    const created = await admin.tariffs.create({ name, fuel: 'gas', standingCharge: 30.5, unitRate: 6.2 });
    expect(created).toMatchObject({ name, fuel: 'gas', unitRate: 6.2, bands: null, isDefault: false });

    expect((await admin.tariffs.list({ fuel: 'gas' }).toArray()).map((t) => t.id)).toContain(created.id);
    expect(await admin.tariffs.get(created.id)).toEqual(created);

    const { etag } = await admin.request('get', '/tariffs/{id}', { params: { id: created.id } });
    expect(etag).toBeTruthy();
    const updated = await admin.tariffs.update(created.id, { unitRate: 7 }, { ifMatch: etag ?? '' });
    expect(updated.unitRate).toBe(7);
    const stale = await admin.tariffs
      .update(created.id, { unitRate: 8 }, { ifMatch: etag ?? '' })
      .catch((e) => e);
    expect(stale).toBeInstanceOf(PreconditionFailedError);

    const order = await admin.orders.create(completeOrder(`TAR-${unique()}`) as CreateOrderInput);
    const { homeId } = await admin.orders.submit(order.id);
    const before = await admin.request('get', '/homes/{id}/tariffs', { params: { id: homeId } });
    const set = await admin.tariffs.setHomeTariffs(
      homeId,
      { overrides: [{ fuel: 'gas', tariffId: created.id }] },
      { ifMatch: before.etag ?? '' },
    );
    expect(set.items.find((i) => i.fuel === 'gas')).toMatchObject({
      source: 'home',
      homeTariffId: created.id,
    });
    const today = await admin.tariffs.homeTariffs(homeId, set.date);
    expect(today.items.find((i) => i.fuel === 'gas')?.tariff?.id).toBe(created.id);
    const staleHome = await admin.tariffs
      .setHomeTariffs(homeId, { overrides: [] }, { ifMatch: before.etag ?? '' })
      .catch((e) => e);
    expect(staleHome).toBeInstanceOf(PreconditionFailedError);
    await admin.tariffs.setHomeTariffs(homeId, { overrides: [] });

    await admin.tariffs.delete(created.id);
    expect(await admin.tariffs.get(created.id).catch((e) => e)).toBeInstanceOf(NotFoundError);
  });
});
