import type { ChannelKey, HomeSpec, SimReading } from '../../src/types.js';

export const DAY = 86_400_000;
export const JAN_1_2026 = Date.UTC(2026, 0, 1);

/** The healthy reference home: a 120 W/K semi with an 8 kW air source heat pump designed for 45 °C. */
export function healthyHome(overrides: Partial<HomeSpec> = {}): HomeSpec {
  return {
    reference: 'TEST-001',
    technology: 'air_source_heat_pump',
    seed: 42,
    heatLossWPerK: 120,
    thermalMassKWhPerK: 8,
    setpoint: { dayC: 20, nightC: 18, dayStartHour: 6, dayEndHour: 22 },
    hotWaterLitresPerDay: 150,
    ratedCapacityKw: 8,
    designFlowTemperatureC: 45,
    designOutdoorC: -3,
    carnotFraction: 0.45,
    backupHeaterKw: 3,
    pvKwp: 0,
    meters: ['heat_meter', 'electricity_meter', 'indoor_sensor', 'outdoor_sensor'],
    intervalSeconds: 60,
    faults: [],
    ...overrides,
  };
}

export function channel(readings: readonly SimReading[], key: ChannelKey): SimReading[] {
  return readings.filter((r) => r.channel === key);
}

export function pearson(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - mx;
    const dy = (ys[i] ?? 0) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Compressor starts seen in the electricity meter: rises through `thresholdW`. */
export function startsFromPower(power: readonly SimReading[], thresholdW: number): number {
  let starts = 0;
  for (let i = 1; i < power.length; i++) {
    if ((power[i - 1]?.value ?? 0) < thresholdW && (power[i]?.value ?? 0) >= thresholdW) starts++;
  }
  return starts;
}
