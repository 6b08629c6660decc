import type { Fuel } from '../db/schema.js';
import type { HourlyUsage } from './cost.js';

/**
 * Default carbon factors, kgCO2e per kWh, from DESNZ "Greenhouse gas reporting: conversion factors
 * 2024": UK electricity (generation, location-based) and natural gas (gross CV). Heat has no
 * default: a heat network's factor depends on its plant, so a heat tariff states its own. Export
 * is not credited (0) unless its tariff says otherwise. Sources and reasons: docs/tariffs.md.
 */
export const DEFAULT_CARBON_FACTORS: Readonly<Record<Fuel, number | null>> = {
  electricity: 0.207,
  gas: 0.183,
  heat: null,
  electricity_export: 0,
};

const HALF_HOUR = 1_800_000;

/**
 * Where carbon comes from: a fixed factor (kgCO2e/kWh), or a half-hourly intensity series
 * (gCO2e/kWh keyed by the start of each half hour, epoch ms) with the factor for half hours the
 * series lacks.
 */
export type CarbonSource =
  | { kind: 'factor'; kgPerKwh: number }
  | { kind: 'series'; gPerKwh: ReadonlyMap<number, number>; fallbackKgPerKwh: number };

export interface CarbonResult {
  kgCo2e: number;
  kwh: number;
  /** Series only: half hours the series lacked, billed at the fallback factor. */
  fallbackHalfHours: number;
}

const round9 = (value: number): number => Math.round(value * 1e9) / 1e9;

/**
 * The emissions of some hours of energy. With a series, each hour's kWh is split evenly between
 * its two half hours, each at its own intensity (hourly data cannot say more).
 */
export function carbonOf(source: CarbonSource, usage: readonly HourlyUsage[]): CarbonResult {
  let kg = 0;
  let kwh = 0;
  let fallbackHalfHours = 0;
  for (const hour of usage) {
    kwh += hour.kwh;
    if (source.kind === 'factor') {
      kg += hour.kwh * source.kgPerKwh;
      continue;
    }
    for (const t of [hour.hourStart, hour.hourStart + HALF_HOUR]) {
      const g = source.gPerKwh.get(t);
      if (g === undefined) fallbackHalfHours++;
      kg += (hour.kwh / 2) * (g === undefined ? source.fallbackKgPerKwh : g / 1000);
    }
  }
  return { kgCo2e: round9(kg), kwh: round9(kwh), fallbackHalfHours };
}
