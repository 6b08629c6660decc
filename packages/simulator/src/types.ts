/**
 * The simulator's contract: what a simulated home is made of, what it emits, and the ground truth
 * it reports. The physics lives in `model/`; `platform/` drives a Hearth server with it.
 */

/** Installations the model can simulate (names as in a Hearth order's `installation.technology`). */
export type Technology = 'air_source_heat_pump' | 'ground_source_heat_pump' | 'gas_boiler';

/**
 * The channel keys the simulated meters emit: the server's default channel keys per meter kind, and
 * the heat meter's extra `hot_water_mode` (0/1, quantity `state`), which `orderFor` adds to the order.
 */
export type ChannelKey =
  | 'heat_energy'
  | 'heat_power'
  | 'flow_temperature'
  | 'return_temperature'
  | 'flow_rate'
  | 'hot_water_mode'
  | 'electricity_energy'
  | 'electricity_power'
  | 'indoor_temperature'
  | 'outdoor_temperature'
  | 'pv_energy'
  | 'pv_power'
  | 'gas_volume';

/**
 * The simulated meters, by role. Each becomes one meter in the order: heat meter (heat_energy,
 * heat_power, flow/return temperature, flow_rate, hot_water_mode), electricity meter of the heat pump circuit
 * including its backup/immersion heater (electricity_energy, electricity_power), indoor and outdoor
 * temperature sensors, PV inverter (pv_energy, pv_power), gas meter (gas_volume, m³).
 */
export type MeterRole =
  | 'heat_meter'
  | 'electricity_meter'
  | 'indoor_sensor'
  | 'outdoor_sensor'
  | 'pv_inverter'
  | 'gas_meter';

export type FaultKind =
  /** the gateway sends nothing (all meters) */
  | 'communication_loss'
  /** one channel repeats its last value */
  | 'stuck_sensor'
  /** a register restarts from 0 (meter replaced or reset) */
  | 'register_reset'
  /** a register jumps back by `params.amount` (kWh / m³) once, then counts on from there */
  | 'register_rollback'
  /** the backup/immersion heater runs continuously */
  | 'immersion_stuck_on'
  /** the heat pump cycles on and off every few minutes at low load */
  | 'short_cycling'
  /** COP falls by `params.factor` (default 0.6), e.g. low refrigerant */
  | 'degraded_cop'
  /** flow temperature set `params.offsetC` (default +12 °C) above the weather curve */
  | 'high_flow_temperature'
  /** a meter's clock runs fast: timestamps drift by `params.secondsPerDay` (default 120) */
  | 'clock_drift';

export interface FaultSpec {
  kind: FaultKind;
  /** epoch ms */
  start: number;
  /** ms */
  durationMs: number;
  /** stuck_sensor, register_reset, register_rollback: which channel (defaults in the model docs) */
  channel?: ChannelKey;
  /** clock_drift: which meter (default heat_meter) */
  meter?: MeterRole;
  params?: { amount?: number; factor?: number; offsetC?: number; secondsPerDay?: number };
}

/** How the heating's flow temperature is controlled (`HomeSpec.control`). */
export type HeatingControl = 'weather_compensation' | 'fixed_flow';

export interface SetpointSchedule {
  /** °C while occupied/awake */
  dayC: number;
  /** °C overnight setback */
  nightC: number;
  /** local hours (0–23) of the day period, e.g. 6 and 22 */
  dayStartHour: number;
  dayEndHour: number;
}

export interface HomeSpec {
  /** Stable name: the order reference and the salt of the home's random streams, e.g. DEMO-001. */
  reference: string;
  technology: Technology;
  /** The seed of every random stream of this home (weather noise, occupancy, meter noise). */
  seed: number;
  /** Fabric + ventilation heat loss, W/K (typical UK homes 100–350). */
  heatLossWPerK: number;
  /** Effective thermal capacity of the heated mass, kWh/K (typical 5–20). */
  thermalMassKWhPerK: number;
  setpoint: SetpointSchedule;
  /** Domestic hot water drawn per day, litres at 40 °C (0 = no hot water from this system). */
  hotWaterLitresPerDay: number;
  /** Heat pump or boiler nominal heat output, kW. */
  ratedCapacityKw: number;
  /** Flow temperature at the design outdoor temperature, °C (weather compensation aims at it). */
  designFlowTemperatureC: number;
  /** Design outdoor temperature, °C (UK typically −2 to −4). */
  designOutdoorC: number;
  /** Fraction of the Carnot COP the unit achieves (default 0.45 air source, 0.50 ground source). */
  carnotFraction?: number;
  /**
   * Emitter output at the design flow temperature over the design heat loss (default 1.2: catalogue
   * sizes rounded up). Below 1 the house cannot be held at 21 °C on the design day at the design flow.
   */
  emitterMargin?: number;
  /**
   * The emitters' design flow–return difference, K, and the one the pump is set for at rated output
   * unless `pumpLitresPerMin` says otherwise (default 5 heat pump, 11 boiler).
   */
  designDeltaK?: number;
  /**
   * The fixed-speed circulation pump's flow, l/min (default: the flow that gives `designDeltaK` at
   * rated output). Less flow, a wider flow–return difference at the same output.
   */
  pumpLitresPerMin?: number;
  /**
   * How the flow temperature is chosen (default `weather_compensation`): the weather curve with room
   * feedback, or `fixed_flow`, a fixed flow at `designFlowTemperatureC` switched by the room thermostat
   * alone (an on/off room-stat installation).
   */
  control?: HeatingControl;
  /** Lowest steady output as a fraction of rated capacity (default 0.35 air, 0.40 ground, 0.25 boiler). */
  minModulation?: number;
  /** Cylinder target, °C (default 50 heat pump, 60 boiler); reheats start 8 K below it. */
  cylinderTargetC?: number;
  /** Backup or immersion heater, kW (0 = none). Metered by the electricity meter. */
  backupHeaterKw: number;
  /** PV array peak power, kWp (0 = none). */
  pvKwp: number;
  /** Which meters the home has (the electricity meter and heat meter are usual). */
  meters: MeterRole[];
  /** Seconds between readings of every meter (the order's amr interval). */
  intervalSeconds: number;
  faults: FaultSpec[];
}

/** One reading as the meter reports it: `t` is the meter's own clock (clock drift shifts it). */
export interface SimReading {
  meter: MeterRole;
  channel: ChannelKey;
  /** epoch ms */
  t: number;
  value: number;
}

/** What really happened, for tests and for checking analytics: totals since the simulation start. */
export interface Truth {
  /** heat delivered to the house (space heating + hot water), kWh */
  heatDeliveredKwh: number;
  spaceHeatingKwh: number;
  hotWaterKwh: number;
  /** electricity of the heating system: compressor, controls, pumps, defrost, backup/immersion, kWh */
  electricityKwh: number;
  /**
   * electricityKwh split by where the heat went: hot water while the diverter valve serves the
   * cylinder (hot_water_mode 1: reheats and legionella cycles), space heating otherwise (idle
   * standby and defrosts included), kWh; the two add up to electricityKwh
   */
  spaceHeatingElectricityKwh: number;
  hotWaterElectricityKwh: number;
  /**
   * heat delivered (net of defrost) and electricity of the minutes the unit ran (compressor, defrost
   * or backup heater on), kWh: the running-only truth, idle minutes' standby left out
   */
  runningHeatKwh: number;
  runningElectricityKwh: number;
  backupElectricityKwh: number;
  /** heat taken back from the house by defrost cycles, kWh */
  defrostKwh: number;
  /** gas burned (gross calorific value), kWh; the gas meter reads m³ = kWh / 11.1 */
  gasKwh: number;
  pvKwh: number;
  /** heatDelivered / electricity (heat pumps), NaN when no electricity was used */
  spf: number;
  /** compressor starts */
  starts: number;
  /** electricity of the compressor while heating (not defrost, pumps, controls or backup), kWh */
  compressorElectricityKwh?: number;
  /** Σ per step of compressor electricity × that step's COP, kWh: the energy-balance check */
  compressorHeatKwh?: number;
  /** per local (UTC) day, in order */
  days: { date: string; meanOutdoorC: number; heatKwh: number; electricityKwh: number; gasKwh: number }[];
  /** each fault, when it was active */
  faults: { kind: FaultKind; channel?: ChannelKey; meter?: MeterRole; start: number; end: number }[];
}

/** The outdoor conditions at a time. */
export interface Weather {
  outdoorC: number;
  /** relative humidity, % */
  humidity: number;
  /** global horizontal irradiance, W/m² */
  solarWm2: number;
}

/** A weather source: a pure function of time (the same t always gives the same answer). */
export interface WeatherSource {
  at(t: number): Weather;
}

export interface SimulationOptions {
  /** epoch ms where the simulation begins (the home is in steady state at its set-point) */
  start: number;
  /** default: the built-in UK model seeded with the home's seed */
  weather?: WeatherSource;
}

/**
 * A running simulation of one home. Deterministic: the same spec, options and seed give the same
 * readings, however `advance` calls are split.
 */
export interface Simulation {
  /** epoch ms up to which the simulation has run */
  readonly now: number;
  /**
   * Runs the model up to `until` (epoch ms) and returns the readings taken in (previous now, until],
   * each stamped by its meter's clock: a clock running fast stamps them after `until`, as a real
   * drifting meter would send them.
   */
  advance(until: number): SimReading[];
  /** The ground truth from the start up to `now`. */
  truth(): Truth;
}
