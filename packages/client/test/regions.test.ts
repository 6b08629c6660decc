import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect } from '../../server/test/harness/index.js';
import {
  type HearthClient,
  InvalidRequestError,
  NotFoundError,
  PermissionError,
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
let operator: HearthClient;
let admin: HearthClient;
beforeAll(async () => {
  server = await startServer();
  operator = await operatorClient(server);
  const { admin: login } = await createAgentWithAdmin(server, operator);
  admin = clientFor(server);
  await admin.login(login);
});
afterAll(async () => server.close());

describe(`client.regions: regional series through the SDK (${dialect})`, () => {
  it('loads weather and carbon intensity as the operator, and anyone reads them back', async () => {
    const region = `sdk-${unique()}`;
    const weather = await operator.regions.putWeather(region, 'date,mean_c\n2026-01-05,5.5\n2026-01-06,12\n');
    expect(weather).toEqual({ region, stored: 2, first: '2026-01-05', last: '2026-01-06' });
    const carbon = await operator.regions.putCarbonIntensity(
      region,
      'time,g_per_kwh\n2026-01-05T00:00:00Z,120\n2026-01-05T00:30:00Z,90\n',
    );
    expect(carbon).toMatchObject({
      stored: 2,
      first: '2026-01-05T00:00:00.000Z',
      last: '2026-01-05T00:30:00.000Z',
    });

    expect(await admin.regions.getWeather(region, { from: '2026-01-06' })).toEqual({
      region,
      items: [{ date: '2026-01-06', meanC: 12, degreeDays: 3.5 }],
    });
    expect((await admin.regions.getCarbonIntensity(region)).items).toEqual([
      { time: '2026-01-05T00:00:00.000Z', gPerKwh: 120 },
      { time: '2026-01-05T00:30:00.000Z', gPerKwh: 90 },
    ]);
    const listed = (await admin.regions.list()).find((r) => r.name === region);
    expect(listed).toEqual({
      name: region,
      isDefault: false,
      weather: { first: '2026-01-05', last: '2026-01-06', days: 2 },
      carbonIntensity: { first: '2026-01-05T00:00:00.000Z', last: '2026-01-05T00:30:00.000Z', halfHours: 2 },
    });
  });

  it('raises typed errors: bad lines, not the operator, unknown region, a stale ETag', async () => {
    const region = `sdk-${unique()}`;
    const bad = await operator.regions
      .putWeather(region, 'date,mean_c\n2026-13-01,4\n')
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(InvalidRequestError);
    expect((bad as InvalidRequestError).errors).toEqual([
      { field: 'line 2', message: '2026-13-01 is not a date (YYYY-MM-DD)' },
    ]);
    await expect(admin.regions.putWeather(region, 'date,mean_c\n2026-01-01,4\n')).rejects.toBeInstanceOf(
      PermissionError,
    );
    await expect(admin.regions.getWeather(region)).rejects.toBeInstanceOf(NotFoundError);
    await operator.regions.putWeather(region, 'date,mean_c\n2026-01-01,4\n');
    await expect(
      operator.regions.putWeather(region, 'date,mean_c\n2026-01-02,4\n', { ifMatch: '"r9"' }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    const { etag } = await operator.request('get', '/regions/{id}/weather', { params: { id: region } });
    expect(
      await operator.regions.putWeather(region, 'date,mean_c\n2026-01-02,4\n', { ifMatch: etag as string }),
    ).toMatchObject({ stored: 1 });
  });
});
