import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect } from '../../server/test/harness/index.js';
import { type HearthClient, InvalidRequestError, NotFoundError } from '../src/index.js';
import { homeWithReadings, WINDOW } from './analytics-homes.js';
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
let agentId: string;
let good: string;
let poor: string;
beforeAll(async () => {
  server = await startServer();
  const created = await createAgentWithAdmin(server, await operatorClient(server));
  agentId = created.agentId;
  admin = clientFor(server);
  await admin.login(created.admin);
  good = await homeWithReadings(admin, `PF-GOOD-${unique()}`, 4);
  poor = await homeWithReadings(admin, `PF-POOR-${unique()}`, 2.5);
});
afterAll(async () => server.close());

describe(`portfolio and reports through the SDK (${dialect})`, () => {
  it('portfolio.performance: the league table with quartiles, paged; every row as CSV', async () => {
    const table = await admin.portfolio.performance({ ...WINDOW, limit: 1 });
    expect(table).toMatchObject({ agentId, from: WINDOW.from, to: WINDOW.to, resolution: 'day' });
    expect(table.items).toEqual([expect.objectContaining({ homeId: good, spf: 4, coveragePercent: 100 })]);
    expect(table.summary).toMatchObject({ homes: 2, withSpf: 2, spf: { min: 2.5, median: 3.25, max: 4 } });
    // designSpf 3.5 (completeOrder): the poor home is below design.
    expect(table.belowDesign).toEqual([expect.objectContaining({ homeId: poor, spfRatio: 0.714 })]);
    expect(table.nextCursor).toEqual(expect.any(String));
    const next = await admin.portfolio.performance({
      from: new Date(WINDOW.from),
      to: new Date(WINDOW.to),
      limit: 1,
      cursor: table.nextCursor as string,
    });
    expect(next.items.map((r) => r.homeId)).toEqual([poor]);
    const ascending = await admin.portfolio.performance({ ...WINDOW, sort: 'spf', order: 'asc' });
    expect(ascending.items.map((r) => r.homeId)).toEqual([poor, good]);

    const csv = await admin.portfolio.exportPerformanceCsv(WINDOW);
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe(
      'homeId,reference,technology,boundary,heatKwh,electricityKwh,spf,coveragePercent,designSpf,spfRatio,flowTemperatureC',
    );
    expect(lines).toHaveLength(3);
  });

  it('portfolio.insight: energy per home with quartiles, and CSV', async () => {
    const table = await admin.portfolio.insight({ ...WINDOW, sort: 'heat' });
    // 72 hours: 72 kWh of electricity each, heat 288 and 180.
    expect(table.items.map((r) => [r.homeId, r.heatKwh, r.electricityKwh])).toEqual([
      [good, 288, 72],
      [poor, 180, 72],
    ]);
    expect(table.summary.heat).toMatchObject({ min: 180, max: 288 });
    const csv = await admin.portfolio.exportInsightCsv(WINDOW);
    expect(csv.split('\r\n')[0]).toBe('homeId,reference,technology,electricityKwh,heatKwh,gasKwh,pvKwh');
    const operator = await operatorClient(server);
    const refused = await operator.portfolio.insight().catch((e) => e);
    expect(refused).toBeInstanceOf(InvalidRequestError);
    expect((await operator.portfolio.insight({ agentId, ...WINDOW })).items).toHaveLength(2);
  });

  it('reports.monthly: the document as JSON, the printable page as HTML text', async () => {
    const report = await admin.reports.monthly(good, '2026-10', { period: 'day' });
    expect(report).toMatchObject({ kind: 'monthly', month: '2026-10', complete: true, home: { id: good } });
    expect(report.performance.periods).toHaveLength(31);
    expect(report.performance.window.heatKwh).toBe(288);
    expect(report.dataQuality.meters.map((m) => m.hoursWithData)).toEqual([73, 73]);
    const page = await admin.reports.monthly(good, '2026-10', { format: 'html' });
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain('October 2026');
    expect(page).toContain(String(report.performance.window.heatKwh));

    const current = await admin.reports.monthly(good);
    expect(current.complete).toBe(false);
    const future = await admin.reports.monthly(good, '2099-01').catch((e) => e);
    expect(future).toBeInstanceOf(InvalidRequestError);
    const missing = await admin.reports
      .monthly('00000000-0000-4000-8000-000000000000', '2026-10', { format: 'html' })
      .catch((e) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
  });
});
