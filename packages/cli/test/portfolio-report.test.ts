import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homeWithReadings, WINDOW } from '../../client/test/analytics-homes.js';
import {
  clientFor,
  createAgentWithAdmin,
  type LiveServer,
  operatorClient,
  startServer,
  unique,
} from '../../client/test/support.js';
import { dialect } from '../../server/test/harness/index.js';
import { hearth, tempConfigDir } from './support.js';

let server: LiveServer;
let good: string;
let poor: string;
let goodRef: string;
let poorRef: string;
let config: ReturnType<typeof tempConfigDir>;
let run: (args: string[], input?: string) => ReturnType<typeof hearth>;

beforeAll(async () => {
  server = await startServer();
  const { admin } = await createAgentWithAdmin(server, await operatorClient(server));
  const sdk = clientFor(server);
  await sdk.login(admin);
  goodRef = `CLI-GOOD-${unique()}`;
  poorRef = `CLI-POOR-${unique()}`;
  good = await homeWithReadings(sdk, goodRef, 4);
  poor = await homeWithReadings(sdk, poorRef, 2.5);
  config = tempConfigDir();
  const env = { HEARTH_CONFIG_DIR: config.dir, HEARTH_SERVER: server.url };
  run = (args, input) => hearth(args, env, input);
  expect((await run(['login', '--username', admin.username], `${admin.password}\n`)).code).toBe(0);
});
afterAll(async () => {
  config?.remove();
  await server.close();
});

const window = ['--from', WINDOW.from, '--to', WINDOW.to];

describe(`hearth portfolio and hearth report (${dialect})`, () => {
  it('portfolio performance: a ranked league table, the quartiles and the homes below design', async () => {
    const result = await run(['portfolio', 'performance', ...window]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    // The window in the agent's local dates (local midnight in October, BST, is 23:00Z the day before).
    expect(lines[0]).toBe('2026-10-05 to 2026-10-08 (Europe/London, day rollups)');
    const header = lines.findIndex((l) => l.startsWith('#'));
    expect(lines[header]).toMatch(/^#\s+REFERENCE\s+BOUNDARY\s+SPF\s+DESIGN\s+VS DESIGN\s+COVERAGE %/);
    expect(lines[header + 1]).toMatch(
      new RegExp(`^1\\s+${goodRef}\\s+H3\\s+4\\.00\\s+3\\.50\\s+1\\.14\\s+100\\.0`),
    );
    expect(lines[header + 2]).toMatch(new RegExp(`^2\\s+${poorRef}\\s+H3\\s+2\\.50`));
    expect(result.stdout).toContain('2 homes, 2 with an SPF (coverage from 90%)');
    expect(result.stdout).toMatch(/SPF\s+2\.50\s+2\.88\s+3\.25\s+3\.63\s+4\.00/);
    expect(result.stdout).toContain(`Furthest below design:\n  ${poorRef}  SPF 2.50 / design 3.50 = 0.71`);

    const paged = await run(['portfolio', 'performance', ...window, '--limit', '1']);
    expect(paged.stdout).toMatch(/More homes: --cursor \S+/);

    const json = await run(['portfolio', 'performance', ...window, '--sort', 'belowDesign', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).items.map((r: { homeId: string }) => r.homeId)).toEqual([poor, good]);

    const csv = await run(['portfolio', 'performance', ...window, '--csv']);
    expect(csv.stdout.split('\r\n')[0]).toMatch(/^homeId,reference,technology,boundary/);
    expect(csv.stdout.trim().split('\r\n')).toHaveLength(3);

    const bad = await run(['portfolio', 'performance', '--limit', '5000']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--limit must be a whole number from 1 to 1000/);
  });

  it('portfolio insight: energy per home and the quartiles; --out writes the CSV', async () => {
    const result = await run(['portfolio', 'insight', ...window, '--sort', 'heat']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`1\\s+${goodRef}\\s+air_source_heat_pump\\s+72\\.0\\s+288\\.0`));
    expect(result.stdout).toMatch(/heat kWh\s+180\.0\s+207\.0\s+234\.0\s+261\.0\s+288\.0/);
    const file = path.join(config.dir, 'energy.csv');
    const written = await run(['portfolio', 'insight', ...window, '--out', file]);
    expect(written.stdout).toContain(`Wrote 2 homes to ${file}.`);
    expect(readFileSync(file, 'utf8').split('\r\n')[0]).toBe(
      'homeId,reference,technology,electricityKwh,heatKwh,gasKwh,pvKwh',
    );
  });

  it('report monthly: a summary, the page to a file, the document with --json', async () => {
    const summary = await run(['report', 'monthly', good, '--month', '2026-10']);
    expect(summary.stderr).toBe('');
    expect(summary.code).toBe(0);
    expect(summary.stdout).toMatch(new RegExp(`home:\\s+${goodRef}`));
    // Three days of readings in a 31-day month: the SPF is refused, and the summary says why.
    expect(summary.stdout).toMatch(
      /SPF:\s+not stated: data covers 9\.8% of the hours, below the minimum of 90%/,
    );
    expect(summary.stdout).toMatch(/heat kWh:\s+288\.0/);

    const file = path.join(config.dir, 'report.html');
    const written = await run(['report', 'monthly', good, '--month', '2026-10', '--out', file]);
    expect(written.code).toBe(0);
    expect(written.stdout).toContain(`Wrote the 2026-10 report of ${good} to ${file}.`);
    const page = readFileSync(file, 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain(goodRef);

    const json = await run(['report', 'monthly', good, '--month', '2026-10', '--period', 'day', '--json']);
    const document = JSON.parse(json.stdout);
    expect(document).toMatchObject({ month: '2026-10', home: { id: good } });
    expect(document.performance.periods).toHaveLength(31);

    const badMonth = await run(['report', 'monthly', good, '--month', '2026-13']);
    expect(badMonth.code).toBe(2);
    expect(badMonth.stderr).toMatch(/--month must be YYYY-MM/);
    const future = await run(['report', 'monthly', good, '--month', '2099-01']);
    expect(future.code).toBe(1);
    expect(future.stderr).toMatch(/future|not begun/);
    const missing = await run([
      'report',
      'monthly',
      '00000000-0000-4000-8000-000000000000',
      '--month',
      '2026-10',
    ]);
    expect(missing.code).toBe(4);
  });
});
