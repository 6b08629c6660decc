/**
 * The contract between the fault evaluator and the rule catalogue. A rule is a pure function of a
 * home's recent data at one instant `at`: it answers whether its condition holds *now*, with the
 * evidence, or that it cannot judge (meters missing, too little data). The evaluator owns time,
 * leases and alarms; rules own the meaning of each fault. The same rules run over data loaded from
 * the database (faults/evaluator.ts) and over simulator output aggregated in memory (tests).
 */

import type { HourStats } from '../../telemetry/index.js';

/**
 * One UTC hour of one channel, limited to readings at or before `at`: telemetry's hourly figures
 * (from `rollups_hour`, or aggregated from simulator output in the tests).
 */
export type HourBucket = HourStats;

/** One channel of one meter with its hours in the rule's lookback window, oldest first. */
export interface ChannelData {
  channelId: string;
  /** e.g. heat_energy, electricity_power, flow_temperature, indoor_temperature */
  key: string;
  kind: 'register' | 'instantaneous';
  unit: string;
  meterId: string;
  meterSerial: string;
  /** heat_meter, electricity_meter, gas_meter, temperature_sensor, pv_inverter, battery */
  meterKind: string;
  /** temperature sensors: indoor, outdoor, flow, return, cylinder */
  location?: string;
  /** electricity meters: heat_pump, compressor, backup_heater, immersion_heater, … (orders/schemas.ts) */
  measures?: string;
  /** the meter's expected seconds between readings */
  intervalSeconds: number;
  /** time of the newest reading at or before `at`, or null if the channel has none */
  lastT: number | null;
  /** time the channel could first have readings (its home's creation or commissioning), epoch ms */
  expectedFrom: number;
  /** hours of [at − lookback, at], oldest first; hours without readings are absent */
  hours: HourBucket[];
}

export interface HomeFacts {
  homeId: string;
  /** air_source_heat_pump, ground_source_heat_pump, gas_boiler, … or null */
  technology: string | null;
  design: {
    flowTemperatureC?: number;
    /** how the flow temperature is set (the order's installation.heatingControl); unknown: undefined */
    heatingControl?: 'weather_compensation' | 'fixed_flow';
    spf?: number;
    scop?: number;
    heatLossWPerK?: number;
    annualHeatDemandKwh?: number;
  };
  /** IANA zone of the agent (local days) */
  timeZone: string;
  channels: ChannelData[];
}

export type Severity = 'critical' | 'major' | 'minor' | 'warning';

/** What the alarm shows as proof: a sentence, the channel concerned, the span and the values. */
export interface Evidence {
  /** one sentence a person can act on, e.g. "heat meter HM-1 has sent nothing for 14 min (expected every 60 s)" */
  summary: string;
  channelId?: string;
  channelKey?: string;
  meterSerial?: string;
  /** the span the evidence covers, epoch ms */
  from: number;
  to: number;
  /** the numbers behind the judgement, with their units in the name (e.g. spf, silenceSeconds, flowTemperatureC) */
  values: Record<string, number | string | null>;
}

export interface Finding {
  /** the condition holds at `at` */
  present: boolean;
  /** when present: why; when absent: may be omitted */
  evidence?: Evidence;
  /** a rule may escalate (e.g. late data → lost); defaults to the rule's severity */
  severity?: Severity;
  /**
   * when present: when the condition began as far as the rule can see (a stuck value's first
   * reading, a silent meter's last one); the alarm's episode starts here. Defaults to evidence.from.
   */
  since?: number;
}

/** The rule's active alarm, if any: rules hold a condition more loosely than they raise it (hysteresis). */
export interface ActiveEpisode {
  /** when the episode's condition began (the alarm's condition_since), epoch ms */
  since: number;
  raisedAt: number;
  /** the latest evidence (a rule may carry what it learned at raise time, e.g. a baseline) */
  evidence: Evidence | null;
}

export interface RuleParameter {
  default: number;
  unit: string;
  description: string;
  min?: number;
  max?: number;
}

export interface RuleContext {
  /** the instant judged, epoch ms */
  at: number;
  home: HomeFacts;
  /** this rule's parameters: defaults overridden per agent / per home (fault_management thresholds) */
  params: Record<string, number>;
  /** the rule's alarm on this home while it is active: the rule then judges whether it still holds */
  active?: ActiveEpisode;
}

export interface Rule {
  /** stable id, snake_case: alarms carry it; thresholds are keyed `<id>.<parameter>` */
  id: string;
  title: string;
  /** what the fault means for the installation (docs/faults.md and the API's rule list) */
  description: string;
  severity: Severity;
  /** how far back the evaluator must load hours for this rule, in hours */
  lookbackHours: number;
  /** an active alarm clears itself once the condition has been absent this long (ms) */
  clearAfterMs: number;
  parameters: Record<string, RuleParameter>;
  /** undefined: cannot judge (missing meters or data) — an active alarm is neither raised nor cleared */
  evaluate(ctx: RuleContext): Finding | undefined;
  /**
   * The episode in words, e.g. "outdoor temperature sensor TO-1 stuck at −4.2 °C since 2 Nov 06:00
   * (10 days)": the alarm's summary puts it before the latest evidence. Default: the title and since.
   */
  episode?(evidence: Evidence | undefined, since: number, at: number): string;
}
