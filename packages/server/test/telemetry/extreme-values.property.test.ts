/**
 * No analytics route answers 5xx, or writes NaN or Infinity, whatever the store holds: random and
 * extreme values (±1.7e308, the smallest doubles, huge, negative, registers jumping) stored
 * straight into the store, as a database from before the plausibility checks may hold them, and
 * sent through ingest, which refuses what it must and stores the rest.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  storeUnchecked,
  type Tenant,
  type TestApp,
  timeout,
} from '../harness/index.js';

let t: TestApp;
let tenant: Tenant;
let homes = 0;

beforeAll(async () => {
  // Each case calls every analytics route: past the per-caller rate limit when a failure shrinks.
  t = await startTestApp({ HEARTH_RATE_LIMIT: '0' });
  const operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
  tenant = await createTenant(t.app, operator, 'Extremes');
});
afterAll(() => t?.close());

const HOUR = 3_600_000;
const START = Date.parse('2026-11-10T00:00:00Z');
const FROM = iso(START - 2 * 86_400_000);
const TO = iso(START + 5 * 86_400_000);

const CHANNELS = [
  ['heat_meter', 'heat_energy'],
  ['heat_meter', 'heat_power'],
  ['heat_meter', 'flow_temperature'],
  ['heat_meter', 'return_temperature'],
  ['heat_meter', 'flow_rate'],
  ['electricity_meter', 'electricity_energy'],
  ['electricity_meter', 'electricity_power'],
  ['temperature_sensor', 'outdoor_temperature'],
] as const;

const extreme = fc.oneof(
  fc.constantFrom(
    1.7e308,
    -1.7e308,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    1e308,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    1e-300,
    0,
    -0,
    1e12,
    -1e15,
    999_999_999,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: -100, max: 1000, noNaN: true }),
);

/** Per channel, readings at random minutes of three days: values from `extreme`. */
const history = fc.array(
  fc.record({
    channel: fc.integer({ min: 0, max: CHANNELS.length - 1 }),
    minute: fc.integer({ min: 0, max: 3 * 24 * 60 }),
    value: extreme,
  }),
  { minLength: 1, maxLength: 40 },
);

const NOT_A_NUMBER = /(?<![A-Za-z0-9+/])(NaN|-?Infinity)(?![A-Za-z0-9])/;

async function expectSound(method: 'GET' | 'POST', url: string, accept?: string): Promise<void> {
  const response = await t.app.inject({
    method,
    url: `/api/v/1${url}`,
    headers: { authorization: `Bearer ${tenant.admin.token}`, ...(accept ? { accept } : {}) },
  });
  expect(response.statusCode, `${url} ${accept ?? ''}: ${response.body.slice(0, 500)}`).toBeLessThan(500);
  expect(response.statusCode, `${url} ${accept ?? ''}: ${response.body.slice(0, 500)}`).toBe(200);
  expect(response.body, `${url} ${accept ?? ''}`).not.toMatch(NOT_A_NUMBER);
}

/** Every analytics route over the window, in JSON and in its other formats. */
async function everyRoute(homeId: string, ids: string[]): Promise<void> {
  const registers = `channels=${ids[0]},${ids[5]}`;
  const window = `from=${FROM}&to=${TO}`;
  await expectSound('GET', `/homes/${homeId}/insight?${window}&period=day`);
  await expectSound('GET', `/homes/${homeId}/insight?${window}&period=day`, 'text/csv');
  await expectSound('GET', `/homes/${homeId}/performance?${window}&period=day`);
  await expectSound('GET', `/homes/${homeId}/performance?${window}&period=week`);
  await expectSound('GET', `/homes/${homeId}/reports/monthly?month=2026-11`);
  await expectSound('GET', `/homes/${homeId}/reports/monthly?month=2026-11`, 'text/html');
  for (const q of [
    'resolution=raw',
    `resolution=15m&agg=delta&${registers}`,
    `resolution=hour&agg=delta&${registers}`,
    'resolution=hour&agg=avg',
    'resolution=day&agg=sum',
    `resolution=month&agg=delta&${registers}`,
    'resolution=month&agg=avg',
    // The console's chart-ready series: minute buckets from raw readings, wide ones from rollups.
    'points=5000',
    'points=10',
  ]) {
    await expectSound('GET', `/homes/${homeId}/telemetry?${window}&${q}`);
    await expectSound('GET', `/homes/${homeId}/telemetry?${window}&${q}`, 'text/csv');
  }
  await expectSound('GET', `/portfolio/insight?${window}`);
  await expectSound('GET', `/portfolio/insight?${window}`, 'text/csv');
  await expectSound('GET', `/portfolio/performance?${window}`);
  await expectSound('GET', `/portfolio/performance?${window}`, 'text/csv');
  await expectSound('POST', `/homes/${homeId}/alarms/evaluate`);
  await expectSound('GET', `/homes/${homeId}/alarms`);
}

async function newHome() {
  const { homeId, channel } = await homeWithChannels(t.app, tenant.admin.token, `EXT-${homes++}`);
  const ids = CHANNELS.map(([meter, key]) => channel(meter, key).id);
  return { homeId, ids };
}

describe(`extreme stored values (${dialect})`, () => {
  it(
    'stored without checks (old data): every analytics route answers, without NaN or Infinity',
    async () => {
      await fc.assert(
        fc.asyncProperty(history, async (readings) => {
          const { homeId, ids } = await newHome();
          const unique = new Map(readings.map((r) => [`${r.channel}@${r.minute}`, r] as const));
          await storeUnchecked(
            t.app,
            [...unique.values()].map((r) => ({
              channelId: ids[r.channel] as string,
              time: START + r.minute * 60_000,
              value: r.value,
            })),
          );
          await everyRoute(homeId, ids);
        }),
        { seed: 17, numRuns: 12 },
      );
    },
    timeout(300_000),
  );

  it(
    'sent through ingest: it answers 200, refuses with reasons, and every analytics route answers',
    async () => {
      await fc.assert(
        fc.asyncProperty(history, async (readings) => {
          const { homeId, ids } = await newHome();
          const response = await push(
            t.app,
            tenant.admin.token,
            readings.map((r) => ({
              channelId: ids[r.channel] as string,
              time: iso(START + r.minute * 60_000),
              value: r.value,
            })),
          );
          expect(response.statusCode, response.body).toBe(200);
          const answer = response.json() as { stored: number; duplicates: number; refused: unknown[] };
          expect(answer.stored + answer.duplicates + answer.refused.length).toBe(readings.length);
          await everyRoute(homeId, ids);
        }),
        { seed: 17, numRuns: 12 },
      );
    },
    timeout(300_000),
  );

  it(
    'a register jumping from −1.7e308 to 1.7e308, stored before the checks, leaves every figure finite',
    async () => {
      const { homeId, ids } = await newHome();
      const rows = [];
      for (let h = 0; h < 48; h++)
        for (const [k, id] of ids.entries())
          rows.push({
            channelId: id,
            time: START + h * HOUR,
            value: (h % 2 ? 1 : -1) * (k === 7 ? 1e308 : 1.7e308),
          });
      await storeUnchecked(t.app, rows);
      await everyRoute(homeId, ids);
      const performance = await call(
        t.app,
        'GET',
        `/homes/${homeId}/performance?from=${FROM}&to=${TO}`,
        tenant.admin.token,
      );
      expect(performance.json().window.spf).toBeNull();
    },
    timeout(120_000),
  );
});
