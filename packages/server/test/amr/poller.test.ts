import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Poller, type PollerDeps, pollStatus } from '../../src/amr/poller.js';
import { pollTargets } from '../../src/amr/service.js';
import {
  call,
  completeOrder,
  createTenant,
  dialect,
  login,
  startTestApp,
  type Tenant,
  type TestApp,
  waitFor,
} from '../harness/index.js';

/** Each HTTP attempt of the app's poller; small so a hanging meter fails fast. */
const TIMEOUT_SECONDS = 0.5;

/** A meter on loopback: counts the requests it gets and answers as the test says. */
interface Meter {
  url: string;
  /** When each request arrived, and the Accept header it carried. */
  requests: { at: number; accept: string | undefined; authorization: string | undefined }[];
  /** How to answer request number n (1-based). */
  answer: (response: ServerResponse, n: number, request: IncomingMessage) => void;
  close(): Promise<void>;
}

async function startMeter(answer: Meter['answer']): Promise<Meter> {
  const server = createServer((request, response) => {
    const { accept, authorization } = request.headers;
    meter.requests.push({ at: Date.now(), accept, authorization });
    meter.answer(response, meter.requests.length, request);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const meter: Meter = {
    url: `http://127.0.0.1:${port}/readings`,
    requests: [],
    answer,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return meter;
}

const json = (
  response: ServerResponse,
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
};

/** n minutes before now, as the meter would write it. */
const minutesAgo = (n: number) =>
  new Date(Math.floor(Date.now() / 60_000) * 60_000 - n * 60_000).toISOString();

const silentLog = { info() {}, warn() {}, error() {} };

describe(`AMR poller (${dialect})`, () => {
  let t: TestApp;
  let tenant: Tenant;
  let cleanups: (() => Promise<unknown> | unknown)[] = [];
  let homeNo = 0;

  beforeAll(async () => {
    t = await startTestApp({
      HEARTH_AMR_SCAN_SECONDS: '0.1',
      HEARTH_POLL_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS),
    });
    tenant = await createTenant(t.app, (await login(t.app)).access_token, 'Polling');
  });
  afterAll(async () => t?.close());
  afterEach(async () => {
    const pending = cleanups.reverse();
    cleanups = [];
    for (const cleanup of pending) await cleanup();
  });

  async function meter(answer: Meter['answer']): Promise<Meter> {
    const m = await startMeter(answer);
    cleanups.push(() => m.close());
    return m;
  }

  interface PolledHome {
    homeId: string;
    meterId: string;
    amrId: string;
    /** The polled heat meter's channel ids by key. */
    channels: Record<string, string>;
    /** A channel of the home's other (pushing) meter. */
    otherMeterChannel: string;
  }

  /**
   * Submits an order whose heat meter is read by poll from `url` (and whose electricity meter
   * pushes), with amr only, and waits for the AMR service to take the definition up.
   */
  async function pollHome(url: string, intervalSeconds = 10): Promise<PolledHome> {
    const reference = `POLL-${++homeNo}-${Date.now().toString(36)}`;
    const order = completeOrder(reference, {
      meters: [
        { serial: `HM-${reference}`, kind: 'heat_meter', reading: { method: 'poll', url } },
        {
          serial: `EM-${reference}`,
          kind: 'electricity_meter',
          measures: 'heat_pump',
          reading: { method: 'push' },
        },
      ],
      services: { amr: { intervalSeconds } },
    });
    const draft = await call(t.app, 'POST', '/orders', tenant.admin.token, order);
    expect(draft.statusCode, draft.body).toBe(201);
    const submitted = await call(t.app, 'POST', `/orders/${draft.json().id}/submission`, tenant.admin.token);
    expect(submitted.statusCode, submitted.body).toBe(201);
    const homeId = submitted.json().homeId as string;
    const home = await call(t.app, 'GET', `/homes/${homeId}`, tenant.admin.token);
    expect(home.statusCode, home.body).toBe(200);
    const meters = home.json().meters as {
      id: string;
      kind: string;
      channels: { id: string; key: string }[];
    }[];
    const heat = meters.find((m) => m.kind === 'heat_meter');
    const electricity = meters.find((m) => m.kind === 'electricity_meter');
    if (!heat || !electricity) throw new Error('the home lacks its meters');
    // Afterwards nothing polls it: a worker with its clock far ahead would otherwise find it due.
    cleanups.push(() => call(t.app, 'DELETE', `/homes/${homeId}`, tenant.admin.token));
    const amrId = await waitFor('the AMR service to make amr active', () => activeAmr(homeId));
    return {
      homeId,
      meterId: heat.id,
      amrId,
      channels: Object.fromEntries(heat.channels.map((c) => [c.key, c.id])),
      otherMeterChannel: (electricity.channels[0] as { id: string }).id,
    };
  }

  async function activeAmr(homeId: string): Promise<string | undefined> {
    const response = await call(t.app, 'GET', `/homes/${homeId}/provisioning`, tenant.admin.token);
    expect(response.statusCode, response.body).toBe(200);
    const amr = (response.json().items as { id: string; service: string; status: string }[]).find(
      (d) => d.service === 'amr',
    );
    return amr?.status === 'active' ? amr.id : undefined;
  }

  async function changeAmr(
    home: PolledHome,
    body: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const response = await call(
      t.app,
      'PUT',
      `/homes/${home.homeId}/provisioning/${home.amrId}`,
      tenant.admin.token,
      body,
    );
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }

  /** What is stored for a meter's channels: readings joined through their series. */
  async function stored(meterId: string): Promise<{ key: string; t: number; value: number }[]> {
    const rows = await t.app.ctx.database.db
      .selectFrom('readings as r')
      .innerJoin('telemetry_series as s', 's.no', 'r.series')
      .innerJoin('channels as c', 'c.id', 's.channel_id')
      .where('c.meter_id', '=', meterId)
      .select(['c.key', 'r.t', 'r.value'])
      .orderBy('c.key')
      .orderBy('r.t')
      .execute();
    return rows.map((r) => ({ key: r.key, t: Number(r.t), value: Number(r.value) }));
  }

  async function storedForHome(homeId: string): Promise<number> {
    const row = await t.app.ctx.database.db
      .selectFrom('readings as r')
      .innerJoin('telemetry_series as s', 's.no', 'r.series')
      .where('s.home_id', '=', homeId)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function health(meterId: string) {
    return (await pollStatus(t.app.ctx.database.db, [meterId])).get(meterId);
  }

  /**
   * A second worker on the same database, with its own clock `ahead` of the real one: the interval
   * minimum is 10 s, so the tests move this worker's time instead of waiting.
   */
  function worker(id: string, clock: { aheadMs: number }, log: PollerDeps['log'] = silentLog): Poller {
    const poller = new Poller({
      db: t.app.ctx.database.db,
      targets: pollTargets(t.app.ctx.services.homes, t.app.ctx.services.provisioning),
      workerId: id,
      scanIntervalMs: 100,
      timeoutMs: TIMEOUT_SECONDS * 1000,
      ingest: t.app.ctx.services.telemetry,
      log,
      now: () => Date.now() + clock.aheadMs,
    });
    cleanups.push(() => poller.stop());
    return poller;
  }

  it('stores what the meter serves, by channel key or id, and a repeated answer changes nothing', async () => {
    let readings: unknown[] = [];
    const m = await meter((response) => json(response, { readings }));
    // The answer is fixed before the home exists, so it must be after the commissioning date only.
    const times = [minutesAgo(3), minutesAgo(2), minutesAgo(1)];
    readings = [
      { channel: 'heat_energy', time: times[0], value: 10234.5 },
      { channel: 'heat_energy', time: times[1], value: 10235.25 },
      { channel: 'flow_temperature', time: times[1], value: 41.5 },
    ];
    const home = await pollHome(m.url);
    readings.push({ channelId: home.channels.return_temperature, time: times[2], value: 35 });

    const rows = await waitFor('the polled readings to be stored', async () => {
      const rows = await stored(home.meterId);
      return rows.length >= 3 ? rows : undefined;
    });
    // The first poll may have run before the channelId reading was added; the next one stores it.
    const clock = { aheadMs: 11_000 };
    await worker('second', clock).runOnce();
    expect(await stored(home.meterId)).toEqual([
      { key: 'flow_temperature', t: Date.parse(times[1] as string), value: 41.5 },
      { key: 'heat_energy', t: Date.parse(times[0] as string), value: 10234.5 },
      { key: 'heat_energy', t: Date.parse(times[1] as string), value: 10235.25 },
      { key: 'return_temperature', t: Date.parse(times[2] as string), value: 35 },
    ]);
    expect(rows.slice(0, 3)).toHaveLength(3);
    expect(m.requests.every((r) => r.accept === 'application/json')).toBe(true);
    const status = await health(home.meterId);
    expect(status).toMatchObject({ failures: 0, lastError: null });
    expect(status?.lastSuccessAt).toEqual(expect.any(String));

    // The meter answers the same again at the next interval: duplicates, nothing new, no error.
    const before = m.requests.length;
    clock.aheadMs = 22_000;
    await worker('third', clock).runOnce();
    expect(m.requests.length).toBe(before + 1);
    expect(await stored(home.meterId)).toHaveLength(4);
    expect(await health(home.meterId)).toMatchObject({ failures: 0, lastError: null });
  });

  it('asks the meter once per interval however many workers race for it', async () => {
    // A slow answer keeps each poll open while the other workers scan.
    const m = await meter((response) => {
      setTimeout(() => json(response, { readings: [] }), 100);
    });
    const clock = { aheadMs: 0 };
    const a = worker('worker-a', clock);
    const b = worker('worker-b', clock);
    const home = await pollHome(m.url, 10);
    // The app's own poller scans every 100 ms meanwhile: three workers racing.
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      await Promise.all([a.runOnce(), b.runOnce()]);
      await sleep(5); // let timers and sockets run: SQLite answers without ever leaving the microtask queue
    }
    await waitFor('the winner to finish its poll', async () => (await health(home.meterId))?.lastSuccessAt);
    expect(m.requests).toHaveLength(1);

    clock.aheadMs = 10_500;
    for (let i = 0; i < 3; i++) await Promise.all([a.runOnce(), b.runOnce()]);
    expect(m.requests).toHaveLength(2);
    clock.aheadMs = 21_000;
    for (let i = 0; i < 3; i++) await Promise.all([a.runOnce(), b.runOnce()]);
    expect(m.requests).toHaveLength(3);
    expect(await health(home.meterId)).toMatchObject({ failures: 0, lastError: null });
  });

  it('retries a 500 within the same poll, and the poll succeeds (with the URL’s credentials)', async () => {
    const m = await meter((response, n) => {
      if (n === 1) json(response, { error: 'busy' }, 500);
      else json(response, { readings: [{ channel: 'heat_power', time: minutesAgo(1), value: 4200 }] });
    });
    // Credentials in the URL go as HTTP Basic authentication (fetch refuses them in the URL).
    const home = await pollHome(m.url.replace('//', '//meter:s%C3%A9same@'));
    await waitFor('the retried poll to store its reading', async () => (await stored(home.meterId)).length);
    expect(m.requests).toHaveLength(2);
    const basic = `Basic ${Buffer.from('meter:sésame').toString('base64')}`;
    expect(m.requests.map((r) => r.authorization)).toEqual([basic, basic]);
    // Backoff: at most 0.5 s (full jitter), well within the interval.
    expect((m.requests[1]?.at ?? 0) - (m.requests[0]?.at ?? 0)).toBeLessThan(1500);
    const status = await health(home.meterId);
    expect(status).toMatchObject({ failures: 0, lastError: null });
    expect(status?.lastSuccessAt).not.toBeNull();
    // Users see the poll's health with the meter, and never the URL's password.
    const meters = await call(t.app, 'GET', `/homes/${home.homeId}/meters`, tenant.admin.token);
    const polled = (
      meters.json().items as { id: string; reading: { url: string }; status: { poll: unknown } }[]
    ).find((m) => m.id === home.meterId);
    expect(polled?.reading.url).toBe(m.url.replace('//', '//meter:***@'));
    expect(meters.body).not.toContain('s%C3%A9same');
    expect(polled?.status.poll).toMatchObject({
      failures: 0,
      lastError: null,
      lastSuccessAt: status?.lastSuccessAt,
    });
  });

  it('records a hanging meter as a failure after its attempts time out; stop() aborts a poll in flight', async () => {
    const m = await meter(() => {
      // Never answers.
    });
    const home = await pollHome(m.url);
    const status = await waitFor('the poll to fail', async () => {
      const s = await health(home.meterId);
      return s && s.failures > 0 ? s : undefined;
    });
    expect(status).toMatchObject({
      failures: 1,
      lastSuccessAt: null,
      lastError: `no answer within ${TIMEOUT_SECONDS} s`,
    });
    expect(m.requests).toHaveLength(3);
    const meters = await call(t.app, 'GET', `/homes/${home.homeId}/meters`, tenant.admin.token);
    const polled = (meters.json().items as { id: string; status: { state: string; poll: unknown } }[]).find(
      (x) => x.id === home.meterId,
    );
    expect(polled?.status).toMatchObject({
      state: 'never_seen',
      poll: { failures: 1, lastError: `no answer within ${TIMEOUT_SECONDS} s` },
    });

    // A worker with a long timeout is stopped while it waits: stop() ends it at once, hands the
    // meter back still due and records no failure.
    const slow = new Poller({
      db: t.app.ctx.database.db,
      targets: pollTargets(t.app.ctx.services.homes, t.app.ctx.services.provisioning),
      workerId: 'slow',
      scanIntervalMs: 100,
      timeoutMs: 30_000,
      ingest: t.app.ctx.services.telemetry,
      log: silentLog,
      now: () => Date.now() + 11_000,
    });
    cleanups.push(() => slow.stop());
    const run = slow.runOnce();
    await waitFor('the slow worker to ask', async () => m.requests.length === 4);
    const stopping = Date.now();
    await slow.stop();
    await run;
    expect(Date.now() - stopping).toBeLessThan(1000);
    const lease = await t.app.ctx.database.db
      .selectFrom('poll_state')
      .select(['lease_owner', 'failures'])
      .where('meter_id', '=', home.meterId)
      .executeTakeFirstOrThrow();
    expect(lease).toEqual({ lease_owner: null, failures: 1 });
  });

  it('waits as long as a 429 asks when that fits the interval, and otherwise not before then', async () => {
    let retryAfter = '1';
    const m = await meter((response, n) => {
      if (n % 2 === 1) json(response, { error: 'slow down' }, 429, { 'retry-after': retryAfter });
      else json(response, { readings: [{ channel: 'heat_power', time: minutesAgo(1), value: 3900 }] });
    });
    const home = await pollHome(m.url);
    await waitFor(
      'the poll to succeed after waiting',
      async () => (await health(home.meterId))?.lastSuccessAt,
    );
    expect(m.requests).toHaveLength(2);
    expect((m.requests[1]?.at ?? 0) - (m.requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(await health(home.meterId)).toMatchObject({ failures: 0, lastError: null });

    // Ten minutes is beyond the 10 s interval: the poll ends, and the meter is left alone that long.
    retryAfter = '600';
    const clock = { aheadMs: 11_000 };
    const w = worker('second', clock);
    await w.runOnce();
    expect(m.requests).toHaveLength(3);
    expect(await health(home.meterId)).toMatchObject({
      failures: 1,
      lastError: 'HTTP 429 from the meter, asked to wait 600 s',
    });
    clock.aheadMs = 300_000;
    await w.runOnce();
    expect(m.requests).toHaveLength(3);
    clock.aheadMs = 612_000;
    await w.runOnce();
    expect(m.requests).toHaveLength(4);
  });

  it('does not retry a 404, and says so; an answer that is not JSON is a failure too', async () => {
    const m = await meter((response, n) => {
      if (n === 1) json(response, { error: 'no such page' }, 404);
      else {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<html>busy</html>');
      }
    });
    const home = await pollHome(m.url);
    await waitFor('the poll to fail', async () => ((await health(home.meterId))?.failures ?? 0) > 0);
    await sleep(300); // a retry would have come by now
    expect(m.requests).toHaveLength(1);
    expect(await health(home.meterId)).toMatchObject({ failures: 1, lastError: 'HTTP 404 from the meter' });

    await worker('second', { aheadMs: 11_000 }).runOnce();
    expect(m.requests).toHaveLength(2);
    const status = await health(home.meterId);
    expect(status?.failures).toBe(2);
    expect(status?.lastError).toBe('the answer is not JSON: text/html, 17 bytes');
  });

  it('follows a PUT of the amr intervalSeconds', async () => {
    const m = await meter((response) => json(response, { readings: [] }));
    const home = await pollHome(m.url, 60);
    await waitFor('the first poll', async () => m.requests.length === 1);
    const clock = { aheadMs: 30_000 };
    const w = worker('second', clock);
    await w.runOnce();
    expect(m.requests).toHaveLength(1); // 30 s of 60

    // Shorter: a meter scheduled further out is due at last attempt + the new interval.
    await changeAmr(home, { settings: { intervalSeconds: 20 } });
    await w.runOnce();
    expect(m.requests).toHaveLength(2);
    clock.aheadMs = 45_000;
    await w.runOnce();
    expect(m.requests).toHaveLength(2); // 15 s since the last poll
    clock.aheadMs = 51_000;
    await w.runOnce();
    expect(m.requests).toHaveLength(3);

    // Longer: the poll already scheduled stays, the one after follows the new interval.
    await changeAmr(home, { settings: { intervalSeconds: 120 } });
    clock.aheadMs = 72_000;
    await w.runOnce();
    expect(m.requests).toHaveLength(4);
    clock.aheadMs = 150_000;
    await w.runOnce();
    expect(m.requests).toHaveLength(4);
    clock.aheadMs = 193_000;
    await w.runOnce();
    expect(m.requests).toHaveLength(5);
  });

  it('stops polling while amr is suspended and starts again once it is resumed', async () => {
    const m = await meter((response) => json(response, { readings: [] }));
    const home = await pollHome(m.url);
    await waitFor('the first poll', async () => m.requests.length === 1);

    expect(await changeAmr(home, { status: 'suspended' })).toMatchObject({ status: 'suspended' });
    const w = worker('second', { aheadMs: 100_000 });
    await w.runOnce();
    await sleep(300); // three scans of the app's own poller
    expect(m.requests).toHaveLength(1);

    // Resuming makes it pending; the AMR service makes it active; polling restarts.
    expect(await changeAmr(home, { status: 'active' })).toMatchObject({ status: 'pending' });
    await waitFor('the AMR service to make amr active again', () => activeAmr(home.homeId));
    await w.runOnce();
    expect(m.requests).toHaveLength(2);
  });

  it('stops polling a decommissioned home and a home whose amr definition is deleted', async () => {
    const m1 = await meter((response) => json(response, { readings: [] }));
    const m2 = await meter((response) => json(response, { readings: [] }));
    const decommissioned = await pollHome(m1.url);
    const deleted = await pollHome(m2.url);
    await waitFor('the first polls', async () => m1.requests.length === 1 && m2.requests.length === 1);

    const gone = await call(t.app, 'DELETE', `/homes/${decommissioned.homeId}`, tenant.admin.token);
    expect(gone.statusCode, gone.body).toBe(204);
    const removed = await call(
      t.app,
      'DELETE',
      `/homes/${deleted.homeId}/provisioning/${deleted.amrId}`,
      tenant.admin.token,
    );
    expect(removed.statusCode, removed.body).toBe(204);
    await worker('second', { aheadMs: 100_000 }).runOnce();
    expect(m1.requests).toHaveLength(1);
    expect(m2.requests).toHaveLength(1);
  });

  it('stores nothing for channel keys the meter does not have, nor for another meter’s channels', async () => {
    let readings: unknown[] = [];
    const m = await meter((response) => json(response, { readings }));
    readings = [
      { channel: 'heat_enrgy', time: minutesAgo(2), value: 1 },
      { channel: 'electricity_energy', time: minutesAgo(2), value: 2 },
      { channelId: '0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b', time: minutesAgo(2), value: 3 },
      { time: minutesAgo(2), value: 4 },
      // A channel of its own, but an hour ahead: the ingest refuses it.
      { channel: 'heat_energy', time: minutesAgo(-60), value: 6 },
    ];
    const home = await pollHome(m.url);
    readings.push({ channelId: home.otherMeterChannel, time: minutesAgo(1), value: 5 });
    // Poll once more with every reading in the answer, whatever the first poll saw.
    await waitFor('the first poll', async () => (await health(home.meterId))?.lastSuccessAt);
    const warnings: string[] = [];
    const log = {
      ...silentLog,
      warn: (obj: object | string, msg?: string) => warnings.push(`${msg ?? obj}`),
    };
    await worker('second', { aheadMs: 11_000 }, log).runOnce();
    expect(m.requests).toHaveLength(2);
    expect(warnings).toEqual([expect.stringContaining('unknown channel "heat_enrgy"')]);

    expect(await storedForHome(home.homeId)).toBe(0);
    const status = await health(home.meterId);
    expect(status?.failures).toBe(0);
    expect(status?.lastError).toBe(
      '6 of 6 readings refused: unknown channel "heat_enrgy", "electricity_energy", ' +
        `"0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b", "${home.otherMeterChannel}"; ` +
        '1 without channel, time or numeric value; 1 time in future',
    );
  });

  it('takes an answer of more than 10,000 readings in chunks', async () => {
    const count = 10_050;
    const last = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
    const readings = Array.from({ length: count }, (_, i) => ({
      channel: 'heat_energy',
      time: new Date(last - (count - 1 - i) * 60_000).toISOString(),
      value: 1000 + i,
    }));
    const m = await meter((response) => json(response, { readings }));
    const home = await pollHome(m.url);
    await waitFor('the poll to end', async () => (await health(home.meterId))?.lastSuccessAt, 30_000);
    expect(await health(home.meterId)).toMatchObject({ failures: 0, lastError: null });
    const rows = await stored(home.meterId);
    expect(rows).toHaveLength(count);
    expect(rows.at(-1)).toEqual({ key: 'heat_energy', t: last, value: 1000 + count - 1 });
  });
});
