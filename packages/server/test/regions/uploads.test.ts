/**
 * Regional series uploads (#18): strict numbers and plausible dates, errors that list at most 100
 * problems, and a large upload that does not stop the server answering meanwhile.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectProblem, login, OPERATOR, startTestApp, type TestApp } from '../harness/index.js';

const HALF_HOUR = 1_800_000;

let t: TestApp;
let operator: string;

beforeAll(async () => {
  t = await startTestApp();
  operator = (await login(t.app, OPERATOR.username, OPERATOR.password)).access_token;
});
afterAll(() => t?.close());

const putCsv = (path: string, csv: string) =>
  call(t.app, 'PUT', path, operator, csv, { 'content-type': 'text/csv' });

describe('regional series uploads', () => {
  it('takes only plain decimals: 0x10 is not 16 °C, nor 1e1 ten', async () => {
    const refused = await putCsv(
      '/regions/strict/weather',
      [
        'date,mean_c',
        '2026-01-05,0x10',
        '2026-01-06,1e1',
        '2026-01-07,Infinity',
        '2026-01-08,0b1',
        '2026-01-09,-4.5',
        '2026-01-10,.5',
      ].join('\n'),
    );
    expect(expectProblem(refused, 400, 'validation_failed').errors).toEqual([
      { field: 'line 2', message: '0x10 is not a mean temperature in °C between -60 and 60' },
      { field: 'line 3', message: '1e1 is not a mean temperature in °C between -60 and 60' },
      { field: 'line 4', message: 'Infinity is not a mean temperature in °C between -60 and 60' },
      { field: 'line 5', message: '0b1 is not a mean temperature in °C between -60 and 60' },
    ]);
    const carbon = await putCsv(
      '/regions/strict/carbon-intensity',
      'time,g_per_kwh\n2026-01-05T00:00:00Z,0x64\n2026-01-05T00:30:00Z,1e2\n',
    );
    expect(expectProblem(carbon, 400, 'validation_failed').errors).toEqual([
      { field: 'line 2', message: '0x64 is not a gCO2e/kWh between 0 and 2000' },
      { field: 'line 3', message: '1e2 is not a gCO2e/kWh between 0 and 2000' },
    ]);
    // Nothing was stored by either refusal: the region was never created.
    expectProblem(await call(t.app, 'GET', '/regions/strict/weather', operator), 404, 'not_found');

    const fine = await putCsv(
      '/regions/strict/weather',
      'date,mean_c\n2026-01-09,-4.5\n2026-01-10,.5\n2026-01-11,+3\n',
    );
    expect(fine.statusCode, fine.body).toBe(200);
    const back = await call(t.app, 'GET', '/regions/strict/weather', operator);
    expect(back.json().items.map((i: { meanC: number }) => i.meanC)).toEqual([-4.5, 0.5, 3]);
  });

  it('refuses dates before 1900 or over a year ahead, naming them', async () => {
    const ahead = new Date(Date.now() + 400 * 86_400_000).toISOString().slice(0, 10);
    const refused = await putCsv(
      '/regions/plausible/weather',
      `date,mean_c\n1026-01-05,4\n${ahead},4\n2026-01-05,4\n`,
    );
    expect(expectProblem(refused, 400, 'validation_failed').errors).toEqual([
      { field: 'line 2', message: '1026-01-05 is not a plausible date: before 1900 or over a year ahead' },
      { field: 'line 3', message: `${ahead} is not a plausible date: before 1900 or over a year ahead` },
    ]);
    const carbon = await putCsv(
      '/regions/plausible/carbon-intensity',
      'time,g_per_kwh\n1899-12-31T23:30:00Z,100\n2026-01-05T00:00:00Z,100\n',
    );
    expect(expectProblem(carbon, 400, 'validation_failed').errors).toEqual([
      {
        field: 'line 2',
        message: '1899-12-31T23:30:00Z is not a plausible time: before 1900 or over a year ahead',
      },
    ]);
    expectProblem(await call(t.app, 'GET', '/regions/plausible/weather', operator), 404, 'not_found');
  });

  it('lists the first 100 bad lines and counts the rest', async () => {
    const lines = ['time,g_per_kwh'];
    for (let i = 0; i < 1_000; i++) lines.push(`2026-01-05T00:${String(i % 60).padStart(2, '0')}:01Z,${i}`);
    const problem = expectProblem(
      await putCsv('/regions/many/carbon-intensity', lines.join('\n')),
      400,
      'validation_failed',
    ) as { errors: { field: string; message: string }[]; moreErrors: number; detail: string };
    expect(problem.errors).toHaveLength(100);
    expect(problem.errors[0]).toEqual({
      field: 'line 2',
      message: '2026-01-05T00:00:01Z is not the start of a half hour',
    });
    expect(problem.errors[99]?.field).toBe('line 101');
    expect(problem.moreErrors).toBe(900);
    expect(problem.detail).toMatch(/^1000 bad line\(s\), nothing stored: line 2: .*; and 995 more$/);
  });

  it('keeps answering other requests while it loads a 250,000-line series', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const start = Date.UTC(2012, 0, 1);
    const lines = ['time,g_per_kwh'];
    for (let i = 0; i < 250_000; i++)
      lines.push(`${new Date(start + i * HALF_HOUR).toISOString()},${150 + (i % 97)}`);
    const body = `${lines.join('\n')}\n`;

    const agent = new http.Agent({ keepAlive: true });
    const get = (path: string) =>
      new Promise<number>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path, agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });

    // Counts the /healthz answers that arrive after the whole body was sent and before the
    // upload is answered: the time the server spends parsing and storing the series.
    let sent = false;
    let answered = false;
    let meanwhile = 0;
    const upload = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'PUT',
          path: '/api/v/1/regions/large/carbon-intensity',
          headers: {
            authorization: `Bearer ${operator}`,
            'content-type': 'text/csv',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            answered = true;
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
          });
        },
      );
      req.on('error', reject);
      req.end(body, () => {
        sent = true;
      });
    });
    const probe = (async () => {
      while (!answered) {
        const status = await get('/healthz');
        expect(status).toBe(200);
        if (sent && !answered) meanwhile++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const result = await upload;
    await probe;
    agent.destroy();
    expect(result.status, result.body).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ stored: 250_000 });
    // Held in one synchronous stretch, the server would answer none or one in that time.
    expect(meanwhile).toBeGreaterThanOrEqual(5);
  });
});
