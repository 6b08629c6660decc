/**
 * No false alarms: healthy simulated homes of every kind, over two months of winter and of autumn
 * (the model's synthetic UK weather), stepped hour by hour as the evaluator would; no rule may be
 * present at any step. Optionally one more over the real Llanberis 2024 weather.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { csvWeather, type HomeSpec, type WeatherSource } from '@hearth/simulator';
// Simulating and stepping weeks of a home hour by hour takes 10–40 s on a loaded 2-core machine.
import { describe, expect, it } from 'vitest';
import { timeout } from '../../harness/timeouts.js';
import { alarmsOf } from './demo-fleet.js';
import { home, simulate } from './sim-data.js';

const LLANBERIS = resolve(process.cwd(), '../shared/data/weather/llanberis2024.csv');

/** Every (rule, hourly step) where a rule was present, as "rule @ time: summary". */
function falseAlarms(spec: HomeSpec, start: number, days: number, weather?: WeatherSource): string[] {
  const run = simulate(spec, { start, days, ...(weather ? { weather } : {}) });
  return alarmsOf(run).map((a) => `${a.rule} @ ${new Date(a.at).toISOString()}: ${a.summary}`);
}

const JANUARY = Date.UTC(2026, 0, 1);
const OCTOBER = Date.UTC(2025, 9, 1);
const DAYS = 60;

const HOMES: [string, HomeSpec, number][] = [
  ['air source with backup heater, from January', home({ reference: 'OK-ASHP-JAN' }), JANUARY],
  ['air source with backup heater, from October', home({ reference: 'OK-ASHP-OCT', seed: 7 }), OCTOBER],
  [
    'ground source without backup, with PV, from January',
    home({
      reference: 'OK-GSHP',
      technology: 'ground_source_heat_pump',
      seed: 3,
      carnotFraction: 0.5,
      backupHeaterKw: 0,
      pvKwp: 4,
      meters: ['heat_meter', 'electricity_meter', 'indoor_sensor', 'outdoor_sensor', 'pv_inverter'],
    }),
    JANUARY,
  ],
  [
    'a larger, leakier home at 50 °C design flow without an outdoor sensor, from October',
    home({
      reference: 'OK-ASHP-BIG',
      seed: 11,
      heatLossWPerK: 250,
      thermalMassKWhPerK: 14,
      ratedCapacityKw: 6,
      designFlowTemperatureC: 50,
      backupHeaterKw: 0,
      meters: ['heat_meter', 'electricity_meter', 'indoor_sensor'],
      intervalSeconds: 120,
    }),
    OCTOBER,
  ],
  [
    'a gas boiler, from January',
    home({
      reference: 'OK-GAS',
      technology: 'gas_boiler',
      seed: 5,
      ratedCapacityKw: 24,
      designFlowTemperatureC: 70,
      backupHeaterKw: 0,
      meters: ['heat_meter', 'gas_meter', 'indoor_sensor', 'outdoor_sensor'],
    }),
    JANUARY,
  ],
];

describe('healthy simulated homes raise no alarm', { timeout: timeout(180_000) }, () => {
  for (const [name, spec, start] of HOMES) {
    it(`${name}: ${DAYS} days, hourly`, () => {
      expect(falseAlarms(spec, start, DAYS)).toEqual([]);
    });
  }

  it('an air source home over real Llanberis weather (January–February 2024)', (context) => {
    context.skip(
      !existsSync(LLANBERIS),
      `no weather file at ${LLANBERIS} (the shared data set is not checked out)`,
    );
    const weather = csvWeather(readFileSync(LLANBERIS, 'utf8'));
    expect(
      falseAlarms(home({ reference: 'OK-LLANBERIS', seed: 9 }), Date.UTC(2024, 0, 1), DAYS, weather),
    ).toEqual([]);
  });
});
