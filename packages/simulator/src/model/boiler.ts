/** Gross calorific value of UK natural gas, kWh/m³: 39.5 MJ/m³ × 1.02264 (volume correction) / 3.6. */
export const GAS_KWH_PER_M3 = 11.1;

/** Pump and fan while firing, W. */
export const BOILER_AUX_W = 80;
/** Controls and standby, W. */
export const BOILER_STANDBY_W = 5;
/** Lowest steady output as a fraction of rated capacity (a typical 1:4 turn-down). */
export const BOILER_MIN_MODULATION = 0.25;
/** Boiler circuits are designed for an 11 K flow–return difference (the old 82/71 habit). */
export const BOILER_DESIGN_DELTA_K = 11;

/**
 * Gross seasonal efficiency of a condensing boiler: it condenses well with a cool return and loses
 * about 0.3 % per K of return above 30 °C, so a typical radiator system averages about 0.88.
 */
export function condensingEfficiency(returnC: number): number {
  return Math.min(0.96, Math.max(0.82, 0.96 - 0.003 * Math.max(0, returnC - 30)));
}
