/** Performance ratio: inverter, wiring, soiling and temperature losses of a typical UK array. */
export const PV_PERFORMANCE_RATIO = 0.8;
/** A tilted south-facing array collects about 10 % more over a year than the horizontal irradiance. */
export const PV_TILT_GAIN = 1.1;

/** AC output of an array, W, from the global horizontal irradiance. */
export function pvPowerW(kWp: number, irradianceWm2: number): number {
  if (kWp <= 0 || irradianceWm2 <= 0) return 0;
  return Math.min(kWp * 1000, kWp * irradianceWm2 * PV_PERFORMANCE_RATIO * PV_TILT_GAIN);
}
