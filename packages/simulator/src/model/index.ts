/** The simulator's physics: weather, house, heat pump or boiler, PV, meters and faults. */
export { BOILER_MIN_MODULATION, condensingEfficiency, GAS_KWH_PER_M3 } from './boiler.js';
export {
  DEFAULT_COP_FACTOR,
  DEFAULT_DRIFT_SECONDS_PER_DAY,
  DEFAULT_FLOW_OFFSET_C,
  DEFAULT_ROLLBACK_AMOUNT,
  defaultFaultChannel,
} from './faults.js';
export {
  airCapacityFactor,
  brineTemperatureC,
  carnotCop,
  DEFAULT_CARNOT_FRACTION_AIR,
  DEFAULT_CARNOT_FRACTION_GROUND,
  groundTemperatureC,
} from './heat-pump.js';
export { STEP_MS, simulateHome } from './home.js';
export { setpointC, WATER_SPECIFIC_HEAT_KJ_PER_KG_K, weatherCompensatedFlowC } from './house.js';
export { CHANNEL_DECIMALS, METER_CHANNELS, meterOfChannel } from './meters.js';
export { pvPowerW } from './pv.js';
export { londonOffsetMs } from './time.js';
export { csvWeather, sunElevationSin, ukWeather } from './weather.js';
