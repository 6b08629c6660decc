import { DateTime } from 'luxon';
import { type Band, bandLabel, bandsOfWeek, MINUTES_PER_DAY } from './bands.js';

/** An hour of energy: `hourStart` is epoch ms (the start of a UTC hour), `kwh` the energy in it. */
export interface HourlyUsage {
  hourStart: number;
  kwh: number;
}

/** What the calculator needs of a tariff (a TariffView has all of it). */
export interface PricedTariff {
  currency: string;
  /** Minor units (pence) per day. */
  standingCharge: number;
  /** Minor units per kWh of a flat tariff; null for time-of-use. */
  unitRate: number | null;
  /** The time-of-use bands (valid: cover each local day exactly once); null for flat. */
  bands: readonly Band[] | null;
}

export interface BandCost {
  /** Minor units per kWh. */
  rate: number;
  kwh: number;
  /** Minor units. */
  cost: number;
}

/** A bill, in the tariff's minor units (pence), unrounded beyond 1e-6: round for display. */
export interface CostBreakdown {
  currency: string;
  kwh: number;
  energyCost: number;
  standingCost: number;
  total: number;
  /** Per band label ("16:00-19:00", "00:00-07:00 sat sun" for a band of some days), or "flat". */
  byBand: Record<string, BandCost>;
}

const round6 = (value: number): number => Math.round(value * 1e6) / 1e6;

/**
 * The cost of some hours of energy on one tariff.
 *
 * Each hour is placed on the local clock of `zone` (an IANA zone, the agent's) and its kWh is
 * shared between the bands its 60 local minutes fall in, pro rata by minutes: an hour 06:30-07:30
 * local on a band boundary at 07:00 bills half its kWh at each rate. Daylight saving needs nothing
 * special because hours are UTC: on the 25-hour day the repeated 01:00 hour appears twice in
 * `usage` and is billed at the band covering 01:00 each time; on the 23-hour day the skipped hour
 * never appears. Bands with `days` apply on those local weekdays: each minute is billed with the
 * bands of the local day it falls on (so 00:30 on Saturday is Saturday's, whichever day a band
 * wrapping midnight started on). The standing charge is billed once for each distinct local date
 * in `days`.
 *
 * The caller picks the tariff valid on those days (`validFrom`/`validTo`); this function does not.
 */
export function costOf(
  tariff: PricedTariff,
  usage: readonly HourlyUsage[],
  days: readonly string[],
  zone: string,
): CostBreakdown {
  const byBand: Record<string, BandCost> = {};
  const add = (label: string, rate: number, kwh: number) => {
    let entry = byBand[label];
    if (!entry) {
      entry = { rate, kwh: 0, cost: 0 };
      byBand[label] = entry;
    }
    entry.kwh += kwh;
    entry.cost += kwh * rate;
  };
  const bands = tariff.bands;
  if (!bands) {
    const rate = tariff.unitRate ?? 0;
    for (const hour of usage) add('flat', rate, hour.kwh);
  } else {
    if (!DateTime.local().setZone(zone).isValid) throw new Error(`costOf: unknown time zone ${zone}`);
    const owners = bandsOfWeek(bands);
    // The shares of each band for an hour starting at a local minute of a weekday, computed once.
    const sharesAt = new Map<number, Array<[Band, number]>>();
    for (const hour of usage) {
      const local = DateTime.fromMillis(hour.hourStart, { zone });
      const day = local.weekday - 1;
      const start = local.hour * 60 + local.minute;
      const key = day * MINUTES_PER_DAY + start;
      let shares = sharesAt.get(key);
      if (!shares) {
        const minutes = new Map<number, number>();
        for (let m = start; m < start + 60; m++) {
          // In a zone whose offset is not whole hours, an hour can run past local midnight: its
          // later minutes fall on the next day, and are billed with that day's bands.
          const owner = owners[(day + Math.floor(m / MINUTES_PER_DAY)) % 7] as Int16Array;
          const index = owner[m % MINUTES_PER_DAY] as number;
          minutes.set(index, (minutes.get(index) ?? 0) + 1);
        }
        shares = [...minutes].map(([index, n]) => [bands[index] as Band, n / 60]);
        sharesAt.set(key, shares);
      }
      for (const [band, share] of shares) add(bandLabel(band), band.rate, hour.kwh * share);
    }
  }
  let kwh = 0;
  let energyCost = 0;
  for (const entry of Object.values(byBand)) {
    kwh += entry.kwh;
    energyCost += entry.cost;
    entry.kwh = round6(entry.kwh);
    entry.cost = round6(entry.cost);
  }
  const standingCost = new Set(days).size * tariff.standingCharge;
  return {
    currency: tariff.currency,
    kwh: round6(kwh),
    energyCost: round6(energyCost),
    standingCost: round6(standingCost),
    total: round6(energyCost + standingCost),
    byBand,
  };
}
