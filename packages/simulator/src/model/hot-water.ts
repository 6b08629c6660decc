import { mulberry32 } from './random.js';
import { dayOfYear, HOUR_MS } from './time.js';

/** Temperature the user mixes to, °C: `hotWaterLitresPerDay` is counted at this temperature. */
export const DRAW_TEMPERATURE_C = 40;
/** Cylinder target, °C; reheat starts when it has fallen by the hysteresis. */
export const HEAT_PUMP_CYLINDER_C = 50;
export const BOILER_CYLINDER_C = 60;
export const CYLINDER_HYSTERESIS_K = 8;
/** Weekly legionella cycle: the backup heater lifts the cylinder to this, early on Sunday (local). */
export const LEGIONELLA_C = 60;
export const LEGIONELLA_LOCAL_HOUR = 2;
/** During a reheat the flow runs this far above the cylinder (coil approach). */
export const HEAT_PUMP_COIL_APPROACH_K = 6;
export const BOILER_COIL_APPROACH_K = 15;

/** Cylinder size for a household's draw: about 1.2 days' worth, between 150 and 300 litres. */
export function cylinderLitres(litresPerDay: number): number {
  return Math.min(300, Math.max(150, Math.round((litresPerDay * 1.2) / 10) * 10));
}

/** Standing loss coefficient, W/K: about 1.5 kWh/day for a 200 litre cylinder at 50 °C in a 20 °C room. */
export function standingLossWPerK(litres: number): number {
  return 2.1 * Math.sqrt(litres / 200);
}

/** Mains water temperature, °C: about 8 °C in February to 14 °C in August. */
export function coldWaterC(t: number): number {
  return 11 - 3 * Math.cos((2 * Math.PI * (dayOfYear(t) - 45)) / 365.25);
}

/** Heat carried away by drawing `litres` at the draw temperature, kWh. */
export function drawHeatKwh(litres: number, coldC: number): number {
  return (litres * 4.186 * (DRAW_TEMPERATURE_C - coldC)) / 3600;
}

export interface DrawEvent {
  start: number;
  end: number;
  litres: number;
}

/**
 * One day's draws: one or two showers or baths in the morning and one to three draws in the evening,
 * the day's total within ±25 % of the mean. Drawn from a PRNG seeded by (stream seed, day) so a day's
 * draws never depend on the days simulated before it.
 */
export function drawsOfDay(
  seedOfDay: number,
  dayStartUtc: number,
  offsetMs: number,
  litresPerDay: number,
): DrawEvent[] {
  if (litresPerDay <= 0) return [];
  const random = mulberry32(seedOfDay);
  const total = litresPerDay * (0.75 + 0.5 * random());
  const morningShare = 0.35 + 0.3 * random();
  const events: DrawEvent[] = [];
  const add = (count: number, share: number, fromHour: number, toHour: number) => {
    for (let i = 0; i < count; i++) {
      const hour = fromHour + (toHour - fromHour) * random();
      const start = dayStartUtc + hour * HOUR_MS - offsetMs;
      const minutes = 4 + Math.floor(8 * random());
      events.push({ start, end: start + minutes * 60_000, litres: (total * share) / count });
    }
  };
  add(1 + Math.floor(2 * random()), morningShare, 6.25, 8.75);
  add(1 + Math.floor(3 * random()), 1 - morningShare, 17.5, 22);
  events.sort((a, b) => a.start - b.start);
  return events;
}

/** Litres drawn in [from, to) by a list of events drawn at an even rate over each event. */
export function litresDrawn(events: readonly DrawEvent[], from: number, to: number): number {
  let litres = 0;
  for (const e of events) {
    const overlap = Math.min(to, e.end) - Math.max(from, e.start);
    if (overlap > 0) litres += (e.litres * overlap) / (e.end - e.start);
  }
  return litres;
}
