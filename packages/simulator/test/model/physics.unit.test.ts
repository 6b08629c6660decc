import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  carnotCop,
  csvWeather,
  GAS_KWH_PER_M3,
  londonOffsetMs,
  simulateHome,
  weatherCompensatedFlowC,
} from '../../src/model/index.js';
import type { HomeSpec, SimReading } from '../../src/types.js';
import { channel, DAY, healthyHome, JAN_1_2026, pearson } from './helpers.js';

const LLANBERIS = resolve(process.cwd(), '../shared/data/weather/llanberis2024.csv');

function january(spec: HomeSpec, weather?: ReturnType<typeof csvWeather>) {
  const sim = simulateHome(spec, { start: JAN_1_2026, ...(weather ? { weather } : {}) });
  const readings = sim.advance(JAN_1_2026 + 31 * DAY);
  return { sim, readings, truth: sim.truth() };
}

describe('heat pump COP', () => {
  it('matches published EN 14511 rating points at a 0.45 Carnot fraction', () => {
    expect(carnotCop(35, 7, 0.45)).toBeGreaterThan(4);
    expect(carnotCop(35, 7, 0.45)).toBeLessThan(4.8);
    expect(carnotCop(55, -7, 0.45)).toBeGreaterThan(2);
    expect(carnotCop(55, -7, 0.45)).toBeLessThan(2.5);
  });

  it('follows the weather curve from 25 °C at 15 °C outdoor to the design flow', () => {
    expect(weatherCompensatedFlowC(15, 45, -3)).toBe(25);
    expect(weatherCompensatedFlowC(-3, 45, -3)).toBeCloseTo(45, 9);
    expect(weatherCompensatedFlowC(6, 45, -3)).toBeCloseTo(35, 9);
  });
});

describe('a healthy air source home in January', () => {
  const { sim, readings, truth } = january(healthyHome());

  it('balances energy exactly in the truth', () => {
    const compressorHeat = truth.compressorHeatKwh ?? Number.NaN;
    expect(truth.heatDeliveredKwh).toBeCloseTo(
      compressorHeat + truth.backupElectricityKwh - truth.defrostKwh,
      6,
    );
    expect(truth.heatDeliveredKwh).toBeCloseTo(truth.spaceHeatingKwh + truth.hotWaterKwh, 9);
    expect(truth.electricityKwh).toBeGreaterThan(
      (truth.compressorElectricityKwh ?? 0) + truth.backupElectricityKwh,
    );
    const compressorCop = compressorHeat / (truth.compressorElectricityKwh ?? 1);
    expect(compressorCop).toBeGreaterThan(2);
    expect(compressorCop).toBeLessThan(5);
    const daySum = truth.days.reduce((a, d) => a + d.heatKwh, 0);
    expect(daySum).toBeCloseTo(truth.heatDeliveredKwh, 6);
    expect(truth.days).toHaveLength(31);
  });

  it('splits the electricity by where the heat went, and reports the hot water flag', () => {
    expect(truth.spaceHeatingElectricityKwh + truth.hotWaterElectricityKwh).toBeCloseTo(
      truth.electricityKwh,
      9,
    );
    expect(truth.hotWaterElectricityKwh).toBeGreaterThan(0);
    // Running-only leaves the idle minutes' standby out: less electricity, a higher COP.
    expect(truth.runningElectricityKwh).toBeLessThan(truth.electricityKwh);
    expect(truth.runningHeatKwh).toBeCloseTo(truth.heatDeliveredKwh, 6);
    expect(truth.runningHeatKwh / truth.runningElectricityKwh).toBeGreaterThan(truth.spf);
    const flag = channel(readings, 'hot_water_mode');
    expect(flag).toHaveLength(31 * 24 * 60);
    expect(new Set(flag.map((r) => r.value))).toEqual(new Set([0, 1]));
    // The flag at a stamp is the valve from there on: the minutes it starts at 1 heat the cylinder,
    // so their heat is the truth's hot water (to the registers' 1 Wh).
    const heat = channel(readings, 'heat_energy');
    let hotWater = 0;
    for (let i = 1; i < heat.length; i++)
      if ((flag[i - 1] as SimReading).value === 1)
        hotWater += (heat[i] as SimReading).value - (heat[i - 1] as SimReading).value;
    expect(Math.abs(hotWater - truth.hotWaterKwh) / truth.hotWaterKwh).toBeLessThan(0.001);
  });

  it('has a seasonal performance factor between 2.5 and 4', () => {
    expect(truth.spf).toBeGreaterThan(2.5);
    expect(truth.spf).toBeLessThan(4);
    expect(sim.now).toBe(JAN_1_2026 + 31 * DAY);
  });

  it('meters registers that rise by the truth, and powers that integrate to the registers', () => {
    const heat = channel(readings, 'heat_energy');
    const heatPower = channel(readings, 'heat_power');
    const elec = channel(readings, 'electricity_energy');
    const elecPower = channel(readings, 'electricity_power');
    const first = heat[0] as SimReading;
    const last = heat[heat.length - 1] as SimReading;
    expect(first.value).toBeGreaterThan(0);
    // The heat meter counts forward energy only, so it sees the defrost heat as delivered.
    const metered = last.value - first.value;
    const firstMinuteHeat = (heatPower[0]?.value ?? 0) / 60_000;
    // Within the registers' 1 Wh resolution (and the first power reading's 1 W).
    expect(Math.abs(metered + firstMinuteHeat - (truth.heatDeliveredKwh + truth.defrostKwh))).toBeLessThan(
      0.002,
    );
    const integrated = heatPower.slice(1).reduce((a, r) => a + r.value / 60_000, 0);
    expect(Math.abs(integrated - metered)).toBeLessThan(0.001 * metered + 0.01);
    const elecMetered = (elec[elec.length - 1]?.value ?? 0) - (elec[0]?.value ?? 0);
    const elecIntegrated = elecPower.slice(1).reduce((a, r) => a + r.value / 60_000, 0);
    expect(Math.abs(elecIntegrated - elecMetered)).toBeLessThan(0.001 * elecMetered + 0.01);
    expect(Math.abs(elecMetered + (elecPower[0]?.value ?? 0) / 60_000 - truth.electricityKwh)).toBeLessThan(
      0.002,
    );
  });

  it('keeps registers monotonic, values finite and stamps aligned to the interval', () => {
    for (const key of ['heat_energy', 'electricity_energy'] as const) {
      const series = channel(readings, key);
      expect(series).toHaveLength(31 * 24 * 60);
      const drops = series.filter((r, i) => i > 0 && r.value < (series[i - 1] as SimReading).value);
      expect(drops).toEqual([]);
    }
    expect(readings.every((r) => Number.isFinite(r.value) && r.t % 60_000 === 0)).toBe(true);
    expect(readings).toHaveLength(31 * 24 * 60 * 10);
  });

  it('reports heat power consistent with flow × 4.186 × ΔT', () => {
    const byTime = new Map<number, Record<string, number>>();
    for (const r of readings) {
      const row = byTime.get(r.t) ?? {};
      row[r.channel] = r.value;
      byTime.set(r.t, row);
    }
    let checked = 0;
    for (const row of byTime.values()) {
      const {
        heat_power: p = 0,
        flow_rate: f = 0,
        flow_temperature: tf = 0,
        return_temperature: tr = 0,
      } = row;
      if (p <= 0 || f <= 0) continue;
      const fromFlow = (f / 60) * 4.186 * (tf - tr) * 1000;
      expect(Math.abs(fromFlow - p)).toBeLessThan(0.03 * p + 40);
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('uses more heat on colder days', () => {
    const r = pearson(
      truth.days.map((d) => d.meanOutdoorC),
      truth.days.map((d) => d.heatKwh),
    );
    expect(r).toBeLessThan(-0.8);
  });

  it('keeps the house near its set-point and cycles at most a few times an hour', () => {
    const indoor = channel(readings, 'indoor_temperature').map((r) => r.value);
    expect(Math.min(...indoor)).toBeGreaterThan(15.5);
    expect(Math.max(...indoor)).toBeLessThan(22);
    expect(truth.starts / (31 * 24)).toBeLessThan(3);
  });
});

describe('intervals and start times', () => {
  it('stamps five-minute readings on the interval grid from an unaligned start, powers matching registers', () => {
    const start = JAN_1_2026 + 12 * 3_600_000 + 30_500;
    const sim = simulateHome(
      healthyHome({ intervalSeconds: 300, pvKwp: 2, meters: ['electricity_meter', 'pv_inverter'] }),
      {
        start,
      },
    );
    const readings = sim.advance(start + 2 * DAY);
    expect(readings.every((r) => r.t % 300_000 === 0 && r.t > start)).toBe(true);
    for (const [register, power] of [
      ['electricity_energy', 'electricity_power'],
      ['pv_energy', 'pv_power'],
    ] as const) {
      const values = channel(readings, register);
      const rise = (values.at(-1)?.value ?? 0) - (values[0]?.value ?? 0);
      const integrated = channel(readings, power)
        .slice(1)
        .reduce((a, r) => a + (r.value * 300) / 3_600_000, 0);
      expect(Math.abs(integrated - rise)).toBeLessThan(0.01);
    }
  });
});

describe('technologies', () => {
  it('gives a ground source heat pump a higher SPF than an air source one in the same house', () => {
    const air = january(healthyHome()).truth;
    const ground = january(healthyHome({ technology: 'ground_source_heat_pump', carnotFraction: 0.5 })).truth;
    expect(ground.spf).toBeGreaterThan(air.spf);
    expect(ground.defrostKwh).toBe(0);
    expect(air.defrostKwh).toBeGreaterThan(0);
  });

  it('burns gas at a condensing boiler efficiency and meters m³ at 11.1 kWh/m³', () => {
    const spec = healthyHome({
      technology: 'gas_boiler',
      ratedCapacityKw: 24,
      designFlowTemperatureC: 70,
      backupHeaterKw: 0,
      meters: ['heat_meter', 'electricity_meter', 'gas_meter'],
    });
    const sim = simulateHome(spec, { start: JAN_1_2026 });
    const readings = sim.advance(JAN_1_2026 + 14 * DAY);
    const truth = sim.truth();
    const efficiency = truth.heatDeliveredKwh / truth.gasKwh;
    expect(efficiency).toBeGreaterThan(0.84);
    expect(efficiency).toBeLessThan(0.93);
    expect(Number.isNaN(truth.spf)).toBe(true);
    expect(truth.electricityKwh / truth.heatDeliveredKwh).toBeLessThan(0.03);
    const gas = channel(readings, 'gas_volume');
    const m3 = (gas[gas.length - 1]?.value ?? 0) - (gas[0]?.value ?? 0);
    expect(m3).toBeCloseTo(truth.gasKwh / GAS_KWH_PER_M3, 0);
  });

  it('generates PV by day only', () => {
    const spec = healthyHome({ pvKwp: 4, meters: ['pv_inverter'] });
    const sim = simulateHome(spec, { start: Date.UTC(2026, 5, 1) });
    const readings = sim.advance(Date.UTC(2026, 5, 8));
    const power = channel(readings, 'pv_power');
    const night = power.filter((r) => new Date(r.t).getUTCHours() === 1);
    expect(night.every((r) => r.value === 0)).toBe(true);
    expect(Math.max(...power.map((r) => r.value))).toBeGreaterThan(1500);
    const dailyKwh = sim.truth().pvKwh / 7;
    expect(dailyKwh).toBeGreaterThan(4);
    expect(dailyKwh).toBeLessThan(25);
  });
});

describe('real weather (Llanberis 2024)', () => {
  it('gives a healthy air source home a January SPF between 2.5 and 4', (context) => {
    context.skip(
      !existsSync(LLANBERIS),
      `no weather file at ${LLANBERIS} (the shared data set is not checked out)`,
    );
    const weather = csvWeather(readFileSync(LLANBERIS, 'utf8'));
    const { truth } = january(healthyHome(), weather);
    expect(truth.spf).toBeGreaterThan(2.5);
    expect(truth.spf).toBeLessThan(4);
  });
});

describe('local time', () => {
  it('agrees with Luxon on Europe/London through two years of DST changes', () => {
    for (let t = Date.UTC(2025, 0, 1); t < Date.UTC(2027, 0, 1); t += 3 * 3_600_000 + 17 * 60_000) {
      const luxon = DateTime.fromMillis(t, { zone: 'Europe/London' }).offset * 60_000;
      expect(londonOffsetMs(t)).toBe(luxon);
    }
  });
});
